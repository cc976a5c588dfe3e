	.file	"orig.c"
#---------- func ---------
	.globl	compute
	.text
	.p2align 4
	.globl	compute
	.type	compute, @function
compute:
.LFB12:
	.cfi_startproc
	imull	total(%rip), %esi
	addl	$1, hits(%rip)
	imull	%edi, %edi
	leal	(%rsi,%rdi), %eax
	ret
	.cfi_endproc
.LFE12:
	.size	compute, .-compute
	.text
compute.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	compute.kpatch
	.hidden	compute.kpatch
	.p2align 4
	.globl	compute.kpatch
	.type	compute.kpatch, @function
compute.kpatch:
.LFB12.kpatch:
	.cfi_startproc
	imull	%edi, %edi
	addl	$2, hits(%rip)
	imull	total(%rip), %esi
	subl	%esi, %edi
	leal	1(%rdi), %eax
	ret
	.cfi_endproc
.LFE12.kpatch:
	.size	compute.kpatch, .-compute.kpatch
compute.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "compute.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
compute.Lpi:
	.quad compute
	.quad compute.kpatch
	.long compute.Lfe - compute
	.long compute.kpatch_end - compute.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%s (%d)\n"
#---------- func ---------
	.globl	greet
	.text
	.p2align 4
	.globl	greet
	.type	greet, @function
greet:
.LFB13:
	.cfi_startproc
	subq	$72, %rsp
	.cfi_def_cfa_offset 80
	movq	%rdi, %rsi
	movl	$60, %edx
	movq	%rsp, %rdi
	movl	$2124136, (%rsp)
	call	strncat
	movl	hits(%rip), %edx
	movq	%rsp, %rsi
	xorl	%eax, %eax
	movl	$.LC0, %edi
	call	printf
	addq	$72, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE13:
	.size	greet, .-greet
#---------- var ---------
	.section	.rodata.str1.1
.LC1:
	.string	"nobody"
#---------- var ---------
.LC2:
	.string	"%d\n"
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB14:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	movl	$.LC1, %edi
	cmpl	$1, %ebx
	jle	.L6
	movq	8(%rsi), %rdi
.L6:
	call	greet
	movl	total(%rip), %eax
	imull	%ebx, %ebx
	movl	$.LC2, %edi
	addl	$1, hits(%rip)
	leal	0(,%rax,8), %esi
	subl	%eax, %esi
	xorl	%eax, %eax
	addl	%ebx, %esi
	call	printf
	xorl	%eax, %eax
	popq	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE14:
	.size	main, .-main
	.section	.text.startup
main.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	main.kpatch
	.hidden	main.kpatch
	.p2align 4
	.globl	main.kpatch
	.type	main.kpatch, @function
main.kpatch:
.LFB14.kpatch:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	movl	$.LC1, %edi
	cmpl	$1, %ebx
	jle	.L6.kpatch
	movq	8(%rsi), %rdi
.L6.kpatch:
	call	greet
	movq	total@GOTPCREL(%rip), %rdx
	movl	(%rdx), %edx
	imull	%ebx, %ebx
	movl	$.LC2, %edi
	addl	$2, hits(%rip)
	leal	0(,%rdx,8), %eax
	subl	%edx, %eax
	subl	%eax, %ebx
	xorl	%eax, %eax
	leal	1(%rbx), %esi
	call	printf
	xorl	%eax, %eax
	popq	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE14.kpatch:
	.size	main.kpatch, .-main.kpatch
main.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab2:
	.string "main.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
main.Lpi:
	.quad main
	.quad main.kpatch
	.long main.Lfe - main
	.long main.kpatch_end - main.kpatch
	.quad kpatch_strtab2
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.local	hits
	.comm	hits,4,4
#---------- var ---------
	.globl	total
	.data
	.align 4
	.type	total, @object
	.size	total, 4
total:
	.long	3
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.c"
#---------- func ---------
	.globl	compute
	.text
	.globl	compute
	.type	compute, @function
compute:
.LFB12:
	.cfi_startproc
	addl	$1, hits(%rip)
	imull	total(%rip), %esi
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
	.globl	compute.kpatch
	.type	compute.kpatch, @function
compute.kpatch:
.LFB12.kpatch:
	.cfi_startproc
	addl	$2, hits(%rip)
	imull	%edi, %edi
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
	.globl	greet
	.type	greet, @function
greet:
.LFB13:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	subq	$64, %rsp
	.cfi_def_cfa_offset 80
	movq	%rdi, %rsi
	movq	%rsp, %rbx
	movl	$2124136, (%rsp)
	movl	$60, %edx
	movq	%rbx, %rdi
	call	strncat@PLT
	movl	hits(%rip), %edx
	movq	%rbx, %rsi
	leaq	.LC0(%rip), %rdi
	movl	$0, %eax
	call	printf@PLT
	addq	$64, %rsp
	.cfi_def_cfa_offset 16
	popq	%rbx
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
	.text
	.globl	main
	.type	main, @function
main:
.LFB14:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	leaq	.LC1(%rip), %rdi
	cmpl	$1, %ebx
	jle	.L5
	movq	8(%rsi), %rdi
.L5:
	call	greet
	movl	$7, %esi
	movl	%ebx, %edi
	call	compute
	movl	%eax, %esi
	leaq	.LC2(%rip), %rdi
	movl	$0, %eax
	call	printf@PLT
	movl	$0, %eax
	popq	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE14:
	.size	main, .-main
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

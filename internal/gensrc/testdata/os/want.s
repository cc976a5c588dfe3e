	.file	"orig.c"
#---------- func ---------
	.globl	compute
	.text
	.globl	compute
	.type	compute, @function
compute:
.LFB1:
	.cfi_startproc
	imull	total(%rip), %esi
	incl	hits(%rip)
	imull	%edi, %edi
	leal	(%rsi,%rdi), %eax
	ret
	.cfi_endproc
.LFE1:
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
.LFB1.kpatch:
	.cfi_startproc
	imull	%edi, %edi
	addl	$2, hits(%rip)
	imull	total(%rip), %esi
	subl	%esi, %edi
	leal	1(%rdi), %eax
	ret
	.cfi_endproc
.LFE1.kpatch:
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
	.string	"hi "
#---------- var ---------
.LC1:
	.string	"%s (%d)\n"
#---------- func ---------
	.globl	greet
	.text
	.globl	greet
	.type	greet, @function
greet:
.LFB2:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	leaq	.LC0(%rip), %rsi
	movq	%rdi, %rbx
	subq	$64, %rsp
	.cfi_def_cfa_offset 80
	movq	%rsp, %rcx
	movq	%rcx, %rdi
	call	strcpy@PLT
	movq	%rbx, %rsi
	movl	$60, %edx
	movq	%rax, %rdi
	call	strncat@PLT
	movl	hits(%rip), %edx
	leaq	.LC1(%rip), %rdi
	movq	%rax, %rsi
	xorl	%eax, %eax
	call	printf@PLT
	addq	$64, %rsp
	.cfi_def_cfa_offset 16
	popq	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE2:
	.size	greet, .-greet
#---------- var ---------
	.section	.rodata.str1.1
.LC2:
	.string	"nobody"
#---------- var ---------
.LC3:
	.string	"%d\n"
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.globl	main
	.type	main, @function
main:
.LFB3:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	leaq	.LC2(%rip), %rdi
	cmpl	$1, %ebx
	jle	.L5
	movq	8(%rsi), %rdi
.L5:
	call	greet
	movl	%ebx, %edi
	movl	$7, %esi
	call	compute
	leaq	.LC3(%rip), %rdi
	movl	%eax, %esi
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	popq	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE3:
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

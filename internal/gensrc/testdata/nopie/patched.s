	.file	"orig.c"
	.text
	.p2align 4
	.globl	compute
	.type	compute, @function
compute:
.LFB12:
	.cfi_startproc
	imull	%edi, %edi
	addl	$2, hits(%rip)
	imull	total(%rip), %esi
	subl	%esi, %edi
	leal	1(%rdi), %eax
	ret
	.cfi_endproc
.LFE12:
	.size	compute, .-compute
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%s (%d)\n"
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
	.section	.rodata.str1.1
.LC1:
	.string	"nobody"
.LC2:
	.string	"%d\n"
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
	movl	total(%rip), %edx
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
.LFE14:
	.size	main, .-main
	.local	hits
	.comm	hits,4,4
	.globl	total
	.data
	.align 4
	.type	total, @object
	.size	total, 4
total:
	.long	3
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.c"
#---------- var ---------
	.text
	.globl	total
	.data
	.align 4
	.type	total, @object
	.size	total, 4
total:
	.long	3
#---------- var ---------
	.local	hits
	.comm	hits,4,4
#---------- func ---------
	.globl	square
	.hidden	square
	.text
	.type	square, @function
square:
.LFB0:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movl	%edi, -4(%rbp)
	movl	-4(%rbp), %eax
	imull	%eax, %eax
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0:
	.size	square, .-square
#---------- func ---------
	.globl	compute
	.globl	compute
	.type	compute, @function
compute:
.LFB1:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$8, %rsp
	movl	%edi, -4(%rbp)
	movl	%esi, -8(%rbp)
	movl	hits(%rip), %eax
	addl	$1, %eax
	movl	%eax, hits(%rip)
	movl	-4(%rbp), %eax
	movl	%eax, %edi
	call	square
	movl	total(%rip), %edx
	imull	-8(%rbp), %edx
	addl	%edx, %eax
	leave
	.cfi_def_cfa 7, 8
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
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$8, %rsp
	movl	%edi, -4(%rbp)
	movl	%esi, -8(%rbp)
	movl	hits(%rip), %eax
	addl	$2, %eax
	movl	%eax, hits(%rip)
	movl	-4(%rbp), %eax
	movl	%eax, %edi
	call	square
	movl	%eax, %edx
	movl	total(%rip), %eax
	imull	-8(%rbp), %eax
	subl	%eax, %edx
	leal	1(%rdx), %eax
	leave
	.cfi_def_cfa 7, 8
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
	.section	.rodata
.LC0:
	.string	"%s (%d)\n"
#---------- func ---------
	.globl	greet
	.text
	.globl	greet
	.type	greet, @function
greet:
.LFB2:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$80, %rsp
	movq	%rdi, -72(%rbp)
	leaq	-64(%rbp), %rax
	movl	$2124136, (%rax)
	movq	-72(%rbp), %rcx
	leaq	-64(%rbp), %rax
	movl	$60, %edx
	movq	%rcx, %rsi
	movq	%rax, %rdi
	call	strncat@PLT
	movl	hits(%rip), %edx
	leaq	-64(%rbp), %rax
	movq	%rax, %rsi
	leaq	.LC0(%rip), %rax
	movq	%rax, %rdi
	movl	$0, %eax
	call	printf@PLT
	nop
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE2:
	.size	greet, .-greet
#---------- var ---------
	.section	.rodata
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
.LFB3:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$16, %rsp
	movl	%edi, -4(%rbp)
	movq	%rsi, -16(%rbp)
	cmpl	$1, -4(%rbp)
	jle	.L7
	movq	-16(%rbp), %rax
	movq	8(%rax), %rax
	jmp	.L8
.L7:
	leaq	.LC1(%rip), %rax
.L8:
	movq	%rax, %rdi
	call	greet
	movl	-4(%rbp), %eax
	movl	$7, %esi
	movl	%eax, %edi
	call	compute
	movl	%eax, %esi
	leaq	.LC2(%rip), %rax
	movq	%rax, %rdi
	movl	$0, %eax
	call	printf@PLT
	movl	$0, %eax
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE3:
	.size	main, .-main
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

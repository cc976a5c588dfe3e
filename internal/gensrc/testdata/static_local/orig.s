	.file	"orig.c"
	.text
	.globl	next_id
	.type	next_id, @function
next_id:
.LFB0:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movl	counter.2(%rip), %edx
	movl	step.1(%rip), %eax
	addl	%edx, %eax
	movl	%eax, counter.2(%rip)
	movl	counter.2(%rip), %eax
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0:
	.size	next_id, .-next_id
	.globl	other
	.type	other, @function
other:
.LFB1:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movl	counter.0(%rip), %eax
	leal	-1(%rax), %edx
	movl	%edx, counter.0(%rip)
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE1:
	.size	other, .-other
	.section	.rodata
.LC0:
	.string	"%d %d\n"
	.text
	.globl	main
	.type	main, @function
main:
.LFB2:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	pushq	%rbx
	subq	$8, %rsp
	.cfi_offset 3, -24
	call	other
	movl	%eax, %ebx
	call	next_id
	movl	%ebx, %edx
	movl	%eax, %esi
	leaq	.LC0(%rip), %rax
	movq	%rax, %rdi
	movl	$0, %eax
	call	printf@PLT
	movl	$0, %eax
	movq	-8(%rbp), %rbx
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE2:
	.size	main, .-main
	.local	counter.2
	.comm	counter.2,4,4
	.data
	.align 4
	.type	step.1, @object
	.size	step.1, 4
step.1:
	.long	1
	.align 4
	.type	counter.0, @object
	.size	counter.0, 4
counter.0:
	.long	10
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

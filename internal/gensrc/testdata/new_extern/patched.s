	.file	"orig.c"
	.text
	.p2align 4
	.globl	count
	.type	count, @function
count:
.LFB11:
	.cfi_startproc
	xorl	%eax, %eax
	addl	$1, hits(%rip)
	cmpl	$1, %edi
	setg	%al
	cmpl	%edi, optind(%rip)
	jl	.L5
	ret
	.p2align 4,,10
	.p2align 3
.L5:
	xorl	%eax, %eax
	cmpq	$0, environ(%rip)
	setne	%al
	ret
	.cfi_endproc
.LFE11:
	.size	count, .-count
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%s\n"
	.text
	.p2align 4
	.globl	say
	.type	say, @function
say:
.LFB12:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movq	%rdi, %rdx
	movq	stderr(%rip), %rdi
	xorl	%eax, %eax
	leaq	.LC0(%rip), %rsi
	call	fprintf@PLT
	movl	$0, opterr(%rip)
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12:
	.size	say, .-say
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB13:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	movq	(%rsi), %rdi
	call	say
	addl	$1, hits(%rip)
	cmpl	$1, %ebx
	setg	%al
	cmpl	optind(%rip), %ebx
	movzbl	%al, %eax
	jg	.L13
	popq	%rbx
	.cfi_remember_state
	.cfi_def_cfa_offset 8
	ret
.L13:
	.cfi_restore_state
	xorl	%eax, %eax
	cmpq	$0, environ(%rip)
	popq	%rbx
	.cfi_def_cfa_offset 8
	setne	%al
	ret
	.cfi_endproc
.LFE13:
	.size	main, .-main
	.globl	hits
	.bss
	.align 4
	.type	hits, @object
	.size	hits, 4
hits:
	.zero	4
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

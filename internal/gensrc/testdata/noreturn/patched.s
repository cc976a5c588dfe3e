	.file	"orig.c"
	.text
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"div"
.LC1:
	.string	"fatal: %s\n"
	.text
	.p2align 4
	.type	die.constprop.0, @function
die.constprop.0:
.LFB26:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movq	stderr(%rip), %rdi
	leaq	.LC0(%rip), %rdx
	xorl	%eax, %eax
	leaq	.LC1(%rip), %rsi
	call	fprintf@PLT
	movl	$3, %edi
	call	exit@PLT
	.cfi_endproc
.LFE26:
	.size	die.constprop.0, .-die.constprop.0
	.section	.rodata.str1.1
.LC2:
	.string	"division of %d by zero\n"
	.text
	.p2align 4
	.globl	checked_div
	.type	checked_div, @function
checked_div:
.LFB23:
	.cfi_startproc
	movl	%edi, %eax
	testl	%esi, %esi
	je	.L9
	cltd
	idivl	%esi
	addl	$1, %eax
	ret
	.p2align 4,,10
	.p2align 3
.L9:
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	%edi, %edx
	movq	stderr(%rip), %rdi
	xorl	%eax, %eax
	leaq	.LC2(%rip), %rsi
	call	fprintf@PLT
	call	die.constprop.0
	.cfi_endproc
.LFE23:
	.size	checked_div, .-checked_div
	.section	.rodata.str1.1
.LC3:
	.string	"%d\n"
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB24:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	testl	%edi, %edi
	je	.L13
	movl	$100, %eax
	xorl	%edx, %edx
	idivl	%edi
	leaq	.LC3(%rip), %rdi
	leal	1(%rax), %esi
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 8
	ret
.L13:
	.cfi_restore_state
	movq	stderr(%rip), %rdi
	movl	$100, %edx
	leaq	.LC2(%rip), %rsi
	xorl	%eax, %eax
	call	fprintf@PLT
	call	die.constprop.0
	.cfi_endproc
.LFE24:
	.size	main, .-main
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

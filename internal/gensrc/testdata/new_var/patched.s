	.file	"orig.c"
	.text
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"existing %d added %d %c\n"
	.text
	.p2align 4
	.globl	report
	.type	report, @function
report:
.LFB11:
	.cfi_startproc
	movl	added_var(%rip), %edx
	movl	existing(%rip), %esi
	movl	$120, %ecx
	xorl	%eax, %eax
	leaq	.LC0(%rip), %rdi
	jmp	printf@PLT
	.cfi_endproc
.LFE11:
	.size	report, .-report
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB12:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	call	report
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12:
	.size	main, .-main
	.globl	added_var
	.data
	.align 4
	.type	added_var, @object
	.size	added_var, 4
added_var:
	.long	42
	.globl	existing
	.align 4
	.type	existing, @object
	.size	existing, 4
existing:
	.long	5
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

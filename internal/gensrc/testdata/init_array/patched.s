	.file	"orig.c"
	.text
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.type	setup, @function
setup:
.LFB11:
	.cfi_startproc
	movl	$2, ready(%rip)
	ret
	.cfi_endproc
.LFE11:
	.size	setup, .-setup
	.section	.init_array,"aw"
	.align 8
	.quad	setup
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"ready %d\n"
	.section	.text.startup
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB12:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	ready(%rip), %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12:
	.size	main, .-main
	.local	ready
	.comm	ready,4,4
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

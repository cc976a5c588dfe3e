	.file	"orig.c"
	.text
	.section	.text.hot,"ax",@progbits
	.p2align 4
	.globl	hotfn
	.type	hotfn, @function
hotfn:
.LFB11:
	.cfi_startproc
	leal	0(,%rdi,8), %eax
	subl	%edi, %eax
	addl	$2, %eax
	ret
	.cfi_endproc
.LFE11:
	.size	hotfn, .-hotfn
	.text
	.p2align 4
	.globl	cool
	.type	cool, @function
cool:
.LFB12:
	.cfi_startproc
	leal	-1(%rdi), %eax
	ret
	.cfi_endproc
.LFE12:
	.size	cool, .-cool
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%d\n"
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB13:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	leal	1(,%rdi,8), %esi
	xorl	%eax, %eax
	leaq	.LC0(%rip), %rdi
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE13:
	.size	main, .-main
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

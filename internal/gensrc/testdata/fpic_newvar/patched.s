	.file	"orig.c"
	.text
	.globl	get
	.type	get, @function
get:
.LFB11:
	.cfi_startproc
	movq	base@GOTPCREL(%rip), %rdx
	movl	%edi, %eax
	imull	(%rdx), %eax
	movq	added@GOTPCREL(%rip), %rdx
	addl	(%rdx), %eax
	ret
	.cfi_endproc
.LFE11:
	.size	get, .-get
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%u\n"
	.text
	.globl	main
	.type	main, @function
main:
.LFB12:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	$3, %edi
	call	get@PLT
	movl	%eax, %esi
	leaq	.LC0(%rip), %rdi
	movl	$0, %eax
	call	printf@PLT
	movl	$0, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12:
	.size	main, .-main
	.globl	added
	.data
	.align 4
	.type	added, @object
	.size	added, 4
added:
	.long	7
	.globl	base
	.align 4
	.type	base, @object
	.size	base, 4
base:
	.long	5
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.c"
	.text
	.p2align 4
	.globl	get
	.type	get, @function
get:
.LFB0:
	.cfi_startproc
	movl	4+origin(%rip), %eax
	ret
	.cfi_endproc
.LFE0:
	.size	get, .-get
	.globl	origin
	.data
	.align 8
	.type	origin, @object
	.size	origin, 8
origin:
	.long	1
	.long	2
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

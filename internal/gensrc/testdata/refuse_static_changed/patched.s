	.file	"orig.c"
	.text
	.p2align 4
	.globl	next
	.type	next, @function
next:
.LFB0:
	.cfi_startproc
	movl	seq.0(%rip), %eax
	leal	1(%rax), %edx
	movl	%edx, seq.0(%rip)
	ret
	.cfi_endproc
.LFE0:
	.size	next, .-next
	.data
	.align 4
	.type	seq.0, @object
	.size	seq.0, 4
seq.0:
	.long	200
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

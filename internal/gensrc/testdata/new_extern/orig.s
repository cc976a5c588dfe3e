	.file	"orig.c"
	.text
	.p2align 4
	.globl	count
	.type	count, @function
count:
.LFB11:
	.cfi_startproc
	addl	$1, hits(%rip)
	xorl	%eax, %eax
	cmpl	$1, %edi
	setg	%al
	ret
	.cfi_endproc
.LFE11:
	.size	count, .-count
	.p2align 4
	.globl	say
	.type	say, @function
say:
.LFB12:
	.cfi_startproc
	jmp	puts@PLT
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
	call	puts@PLT
	xorl	%eax, %eax
	addl	$1, hits(%rip)
	cmpl	$1, %ebx
	setg	%al
	popq	%rbx
	.cfi_def_cfa_offset 8
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

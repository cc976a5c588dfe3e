	.file	"orig.c"
#---------- var ---------
	.text
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%d\n"
#---------- var ---------
.LC1:
	.string	"two"
#---------- var ---------
.LC2:
	.string	"four"
#---------- var ---------
.LC3:
	.string	"six"
#---------- func ---------
	.globl	dispatch
	.section	.text.unlikely,"ax",@progbits
.LCOLDB4:
	.text
.LHOTB4:
	.p2align 4
	.globl	dispatch
	.type	dispatch, @function
dispatch:
.LFB11:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	pushq	%rbx
	.cfi_def_cfa_offset 24
	.cfi_offset 3, -24
	subq	$8, %rsp
	.cfi_def_cfa_offset 32
	cmpl	$7, %edi
	ja	.L12
	leaq	.L4(%rip), %rdx
	movl	%edi, %eax
	movl	%edi, %ebp
	movl	%esi, %ebx
	movslq	(%rdx,%rax,4), %rax
	addq	%rdx, %rax
	jmp	*%rax
	.section	.rodata
	.align 4
	.align 4
.L4:
	.long	.L11-.L4
	.long	.L10-.L4
	.long	.L9-.L4
	.long	.L8-.L4
	.long	.L7-.L4
	.long	.L6-.L4
	.long	.L5-.L4
	.long	.L3-.L4
	.text
	.p2align 4,,10
	.p2align 3
.L5:
	leaq	.LC3(%rip), %rdi
	call	puts@PLT
	movl	%ebx, %eax
	notl	%eax
.L1:
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L3:
	.cfi_restore_state
	movl	$7, %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	movl	%ebp, %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L11:
	.cfi_restore_state
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	1(%rbx), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L10:
	.cfi_restore_state
	leal	(%rsi,%rsi), %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	-1(%rbx), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L9:
	.cfi_restore_state
	leaq	.LC1(%rip), %rdi
	call	puts@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	(%rbx,%rbx,2), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L8:
	.cfi_restore_state
	negl	%esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	movl	%ebx, %eax
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	shrl	$31, %eax
	addl	%eax, %ebx
	movl	%ebx, %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	sarl	%eax
	ret
	.p2align 4,,10
	.p2align 3
.L7:
	.cfi_restore_state
	leaq	.LC2(%rip), %rdi
	call	puts@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	(%rbx,%rbx), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L6:
	.cfi_restore_state
	leal	5(%rsi), %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	movl	%ebx, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 24
	sarl	%eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.section	.text.unlikely
	.cfi_startproc
	.type	dispatch.cold, @function
dispatch.cold:
.LFSB11:
.L12:
	.cfi_def_cfa_offset 32
	.cfi_offset 3, -24
	.cfi_offset 6, -16
	xorl	%eax, %eax
	jmp	.L1
	.cfi_endproc
.LFE11:
	.text
	.size	dispatch, .-dispatch
	.section	.text.unlikely
	.size	dispatch.cold, .-dispatch.cold
.LCOLDE4:
	.text
.LHOTE4:
	.text
dispatch.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	dispatch.kpatch
	.hidden	dispatch.kpatch
.LCOLDB4.kpatch:
	.section .kpatch.text,"ax",@progbits
.LHOTB4.kpatch:
	.p2align 4
	.globl	dispatch.kpatch
	.type	dispatch.kpatch, @function
dispatch.kpatch:
.LFB11.kpatch:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	pushq	%rbx
	.cfi_def_cfa_offset 24
	.cfi_offset 3, -24
	subq	$8, %rsp
	.cfi_def_cfa_offset 32
	cmpl	$7, %edi
	ja	.L12.kpatch
	leaq	.L4.kpatch(%rip), %rdx
	movl	%edi, %eax
	movl	%edi, %ebp
	movl	%esi, %ebx
	movslq	(%rdx,%rax,4), %rax
	addq	%rdx, %rax
	jmp	*%rax
	.section .kpatch.data,"aw",@progbits
	.p2align 12
	.align 4
	.align 4
.L4.kpatch:
	.long	.L11.kpatch-.L4.kpatch
	.long	.L10.kpatch-.L4.kpatch
	.long	.L9.kpatch-.L4.kpatch
	.long	.L8.kpatch-.L4.kpatch
	.long	.L7.kpatch-.L4.kpatch
	.long	.L6.kpatch-.L4.kpatch
	.long	.L5.kpatch-.L4.kpatch
	.long	.L3.kpatch-.L4.kpatch
	.section .kpatch.text,"ax",@progbits
	.p2align 4,,10
	.p2align 3
.L5.kpatch:
	leaq	.LC3(%rip), %rdi
	call	puts@PLT
	movl	%ebx, %eax
	notl	%eax
.L1.kpatch:
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L3.kpatch:
	.cfi_restore_state
	movl	$7, %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	movl	%ebp, %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L11.kpatch:
	.cfi_restore_state
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	1(%rbx), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L10.kpatch:
	.cfi_restore_state
	leal	(%rsi,%rsi), %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	-1(%rbx), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L9.kpatch:
	.cfi_restore_state
	leaq	.LC1(%rip), %rdi
	call	puts@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	(%rbx,%rbx,2), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L8.kpatch:
	.cfi_restore_state
	negl	%esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	movl	%ebx, %eax
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	shrl	$31, %eax
	addl	%eax, %ebx
	movl	%ebx, %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	sarl	%eax
	ret
	.p2align 4,,10
	.p2align 3
.L7.kpatch:
	.cfi_restore_state
	leaq	.LC2.kpatch(%rip), %rdi
	call	puts@PLT
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 24
	leal	0(,%rbx,4), %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.p2align 4,,10
	.p2align 3
.L6.kpatch:
	.cfi_restore_state
	leal	5(%rsi), %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	movl	%ebx, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 24
	sarl	%eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.section .kpatch.text,"ax",@progbits
	.cfi_startproc
	.type	dispatch.cold.kpatch, @function
dispatch.cold.kpatch:
.LFSB11.kpatch:
.L12.kpatch:
	.cfi_def_cfa_offset 32
	.cfi_offset 3, -24
	.cfi_offset 6, -16
	xorl	%eax, %eax
	jmp	.L1.kpatch
	.cfi_endproc
.LFE11.kpatch:
	.section .kpatch.text,"ax",@progbits
	.size	dispatch.kpatch, .-dispatch.kpatch
	.section .kpatch.text,"ax",@progbits
	.size	dispatch.cold.kpatch, .-dispatch.cold.kpatch
.LCOLDE4.kpatch:
	.section .kpatch.text,"ax",@progbits
.LHOTE4.kpatch:
dispatch.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "dispatch.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
dispatch.Lpi:
	.quad dispatch
	.quad dispatch.kpatch
	.long dispatch.Lfe - dispatch
	.long dispatch.kpatch_end - dispatch.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- func ---------
	.globl	sink
	.p2align 4
	.globl	sink
	.type	sink, @function
sink:
.LFB12:
	.cfi_startproc
	movl	%edi, %esi
	xorl	%eax, %eax
	leaq	.LC0(%rip), %rdi
	jmp	printf@PLT
	.cfi_endproc
.LFE12:
	.size	sink, .-sink
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB13:
	.cfi_startproc
	movl	$3, %esi
	jmp	dispatch
	.cfi_endproc
.LFE13:
	.size	main, .-main
	.pushsection .kpatch.data,"aw",@progbits
.LC2.kpatch:
	.string	"FOUR"
	.popsection
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

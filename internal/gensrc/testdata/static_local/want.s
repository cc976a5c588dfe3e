	.file	"orig.c"
#---------- func ---------
	.globl	next_id
	.text
	.globl	next_id
	.type	next_id, @function
next_id:
.LFB0:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movl	counter.2(%rip), %edx
	movl	step.1(%rip), %eax
	addl	%edx, %eax
	movl	%eax, counter.2(%rip)
	movl	counter.2(%rip), %eax
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0:
	.size	next_id, .-next_id
	.text
next_id.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	next_id.kpatch
	.hidden	next_id.kpatch
	.globl	next_id.kpatch
	.type	next_id.kpatch, @function
next_id.kpatch:
.LFB0.kpatch:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movl	step.1(%rip), %eax
	leal	(%rax,%rax), %edx
	movl	counter.2(%rip), %eax
	addl	%edx, %eax
	movl	%eax, counter.2(%rip)
	movl	counter.2(%rip), %eax
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0.kpatch:
	.size	next_id.kpatch, .-next_id.kpatch
next_id.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "next_id.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
next_id.Lpi:
	.quad next_id
	.quad next_id.kpatch
	.long next_id.Lfe - next_id
	.long next_id.kpatch_end - next_id.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- func ---------
	.globl	other
	.globl	other
	.type	other, @function
other:
.LFB1:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movl	counter.0(%rip), %eax
	leal	-1(%rax), %edx
	movl	%edx, counter.0(%rip)
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE1:
	.size	other, .-other
#---------- var ---------
	.section	.rodata
.LC0:
	.string	"%d %d\n"
#---------- func ---------
	.globl	main
	.text
	.globl	main
	.type	main, @function
main:
.LFB2:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	pushq	%rbx
	subq	$8, %rsp
	.cfi_offset 3, -24
	call	other
	movl	%eax, %ebx
	call	next_id
	movl	%ebx, %edx
	movl	%eax, %esi
	leaq	.LC0(%rip), %rax
	movq	%rax, %rdi
	movl	$0, %eax
	call	printf@PLT
	movl	$0, %eax
	movq	-8(%rbp), %rbx
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE2:
	.size	main, .-main
#---------- var ---------
	.local	counter.2
	.comm	counter.2,4,4
#---------- var ---------
	.data
	.align 4
	.type	step.1, @object
	.size	step.1, 4
step.1:
	.long	1
#---------- var ---------
	.align 4
	.type	counter.0, @object
	.size	counter.0, 4
counter.0:
	.long	10
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.c"
#---------- var ---------
	.text
	.section	.rodata
.LC0:
	.string	"value %d\n"
#---------- func ---------
	.globl	report
	.text
	.globl	report
	.type	report, @function
report:
.LFB0:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$16, %rsp
	movl	%edi, -4(%rbp)
	movl	-4(%rbp), %eax
	movl	%eax, %esi
	leaq	.LC0(%rip), %rax
	movq	%rax, %rdi
	movl	$0, %eax
	call	printf@PLT
	nop
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0:
	.size	report, .-report
	.text
report.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	report.kpatch
	.hidden	report.kpatch
	.globl	report.kpatch
	.type	report.kpatch, @function
report.kpatch:
.LFB1.kpatch:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$16, %rsp
	movl	%edi, -4(%rbp)
	movl	-4(%rbp), %eax
	movl	%eax, %edi
	call	newly_added_function
	movl	%eax, %esi
	leaq	.LC0(%rip), %rax
	movq	%rax, %rdi
	movl	$0, %eax
	call	printf@PLT
	nop
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE1.kpatch:
	.size	report.kpatch, .-report.kpatch
report.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "report.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
report.Lpi:
	.quad report
	.quad report.kpatch
	.long report.Lfe - report
	.long report.kpatch_end - report.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- func ---------
	.globl	main
	.globl	main
	.type	main, @function
main:
.LFB1:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$16, %rsp
	movl	%edi, -4(%rbp)
	movq	%rsi, -16(%rbp)
	movl	-4(%rbp), %eax
	movl	%eax, %edi
	call	report
	movl	$0, %eax
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE1:
	.size	main, .-main
#---------- new func ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	newly_added_function
	.hidden	newly_added_function
	.globl	newly_added_function
	.type	newly_added_function, @function
newly_added_function:
.LFB0.kpatch:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movl	%edi, -4(%rbp)
	movl	-4(%rbp), %eax
	imull	$100, %eax, %eax
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0.kpatch:
	.size	newly_added_function, .-newly_added_function
newly_added_function.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab2:
	.string "newly_added_function"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
newly_added_function.Lpi:
	.quad 0
	.quad newly_added_function
	.long 0
	.long newly_added_function.kpatch_end - newly_added_function
	.quad kpatch_strtab2
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

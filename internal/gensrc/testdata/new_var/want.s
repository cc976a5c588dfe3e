	.file	"orig.c"
#---------- var ---------
	.text
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"existing %d\n"
#---------- func ---------
	.globl	report
	.text
	.p2align 4
	.globl	report
	.type	report, @function
report:
.LFB11:
	.cfi_startproc
	movl	existing(%rip), %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	jmp	printf@PLT
	.cfi_endproc
.LFE11:
	.size	report, .-report
	.text
report.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	report.kpatch
	.hidden	report.kpatch
	.p2align 4
	.globl	report.kpatch
	.type	report.kpatch, @function
report.kpatch:
.LFB11.kpatch:
	.cfi_startproc
	movq	added_var.kpatch@GOTPCREL(%rip), %rdx
	movl	(%rdx), %edx
	movq	existing@GOTPCREL(%rip), %rsi
	movl	(%rsi), %esi
	movl	$120, %ecx
	xorl	%eax, %eax
	leaq	.LC0.kpatch(%rip), %rdi
	jmp	printf@PLT
	.cfi_endproc
.LFE11.kpatch:
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
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB12:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	existing(%rip), %esi
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
	.section	.text.startup
main.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	main.kpatch
	.hidden	main.kpatch
	.p2align 4
	.globl	main.kpatch
	.type	main.kpatch, @function
main.kpatch:
.LFB12.kpatch:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	call	report.kpatch
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12.kpatch:
	.size	main.kpatch, .-main.kpatch
main.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab2:
	.string "main.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
main.Lpi:
	.quad main
	.quad main.kpatch
	.long main.Lfe - main
	.long main.kpatch_end - main.kpatch
	.quad kpatch_strtab2
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.globl	existing
	.data
	.align 4
	.type	existing, @object
	.size	existing, 4
existing:
	.long	5
	.pushsection .kpatch.text,"ax",@progbits
	.section .kpatch.data,"aw",@progbits
	.p2align 12
.LC0.kpatch:
	.string	"existing %d added %d %c\n"
	.popsection
	.pushsection .kpatch.text,"ax",@progbits
	.globl	added_var.kpatch
	.section .kpatch.data,"aw",@progbits
	.align 4
	.type	added_var.kpatch, @object
	.size	added_var.kpatch, 4
added_var.kpatch:
	.long	42
	.popsection
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

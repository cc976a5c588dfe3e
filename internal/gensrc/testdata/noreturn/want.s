	.file	"orig.c"
#---------- var ---------
	.text
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"div"
#---------- var ---------
.LC1:
	.string	"fatal: %s\n"
#---------- func ---------
	.globl	die.constprop.0
	.hidden	die.constprop.0
	.text
	.p2align 4
	.type	die.constprop.0, @function
die.constprop.0:
.LFB26:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movq	stderr(%rip), %rdi
	leaq	.LC0(%rip), %rdx
	xorl	%eax, %eax
	leaq	.LC1(%rip), %rsi
	call	fprintf@PLT
	movl	$3, %edi
	call	exit@PLT
	.cfi_endproc
.LFE26:
	.size	die.constprop.0, .-die.constprop.0
#---------- var ---------
	.section	.rodata.str1.1
.LC2:
	.string	"division of %d by zero\n"
#---------- func ---------
	.globl	checked_div
	.text
	.p2align 4
	.globl	checked_div
	.type	checked_div, @function
checked_div:
.LFB23:
	.cfi_startproc
	movl	%edi, %eax
	testl	%esi, %esi
	je	.L9
	cltd
	idivl	%esi
	ret
	.p2align 4,,10
	.p2align 3
.L9:
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	%edi, %edx
	movq	stderr(%rip), %rdi
	xorl	%eax, %eax
	leaq	.LC2(%rip), %rsi
	call	fprintf@PLT
	call	die.constprop.0
	.cfi_endproc
.LFE23:
	.size	checked_div, .-checked_div
	.text
checked_div.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	checked_div.kpatch
	.hidden	checked_div.kpatch
	.p2align 4
	.globl	checked_div.kpatch
	.type	checked_div.kpatch, @function
checked_div.kpatch:
.LFB23.kpatch:
	.cfi_startproc
	movl	%edi, %eax
	testl	%esi, %esi
	je	.L9.kpatch
	cltd
	idivl	%esi
	addl	$1, %eax
	ret
	.p2align 4,,10
	.p2align 3
.L9.kpatch:
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	%edi, %edx
	movq	stderr(%rip), %rdi
	xorl	%eax, %eax
	leaq	.LC2(%rip), %rsi
	call	fprintf@PLT
	call	die.constprop.0
	.cfi_endproc
.LFE23.kpatch:
	.size	checked_div.kpatch, .-checked_div.kpatch
checked_div.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "checked_div.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
checked_div.Lpi:
	.quad checked_div
	.quad checked_div.kpatch
	.long checked_div.Lfe - checked_div
	.long checked_div.kpatch_end - checked_div.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.section	.rodata.str1.1
.LC3:
	.string	"%d\n"
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB24:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	testl	%edi, %edi
	je	.L13
	movl	$100, %eax
	xorl	%edx, %edx
	idivl	%edi
	leaq	.LC3(%rip), %rdi
	movl	%eax, %esi
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 8
	ret
.L13:
	.cfi_restore_state
	movq	stderr(%rip), %rdi
	movl	$100, %edx
	leaq	.LC2(%rip), %rsi
	xorl	%eax, %eax
	call	fprintf@PLT
	call	die.constprop.0
	.cfi_endproc
.LFE24:
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
.LFB24.kpatch:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	testl	%edi, %edi
	je	.L13.kpatch
	movl	$100, %eax
	xorl	%edx, %edx
	idivl	%edi
	leaq	.LC3(%rip), %rdi
	leal	1(%rax), %esi
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 8
	ret
.L13.kpatch:
	.cfi_restore_state
	movq	stderr(%rip), %rdi
	movl	$100, %edx
	leaq	.LC2(%rip), %rsi
	xorl	%eax, %eax
	call	fprintf@PLT
	call	die.constprop.0
	.cfi_endproc
.LFE24.kpatch:
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
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

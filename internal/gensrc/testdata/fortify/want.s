	.file	"orig.c"
#---------- func ---------
	.globl	compute
	.text
	.p2align 4
	.globl	compute
	.type	compute, @function
compute:
.LFB36:
	.cfi_startproc
	imull	total(%rip), %esi
	addl	$1, hits(%rip)
	imull	%edi, %edi
	leal	(%rsi,%rdi), %eax
	ret
	.cfi_endproc
.LFE36:
	.size	compute, .-compute
	.text
compute.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	compute.kpatch
	.hidden	compute.kpatch
	.p2align 4
	.globl	compute.kpatch
	.type	compute.kpatch, @function
compute.kpatch:
.LFB36.kpatch:
	.cfi_startproc
	imull	%edi, %edi
	addl	$2, hits(%rip)
	imull	total(%rip), %esi
	subl	%esi, %edi
	leal	1(%rdi), %eax
	ret
	.cfi_endproc
.LFE36.kpatch:
	.size	compute.kpatch, .-compute.kpatch
compute.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "compute.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
compute.Lpi:
	.quad compute
	.quad compute.kpatch
	.long compute.Lfe - compute
	.long compute.kpatch_end - compute.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%s (%d)\n"
#---------- func ---------
	.globl	greet
	.text
	.p2align 4
	.globl	greet
	.type	greet, @function
greet:
.LFB37:
	.cfi_startproc
	subq	$88, %rsp
	.cfi_def_cfa_offset 96
	movq	%rdi, %rsi
	movl	$64, %ecx
	movl	$60, %edx
	movq	%fs:40, %rax
	movq	%rax, 72(%rsp)
	xorl	%eax, %eax
	movq	%rsp, %rdi
	movl	$2124136, (%rsp)
	call	__strncat_chk@PLT
	movl	hits(%rip), %ecx
	movl	$1, %edi
	leaq	.LC0(%rip), %rsi
	movq	%rax, %rdx
	xorl	%eax, %eax
	call	__printf_chk@PLT
	movq	72(%rsp), %rax
	subq	%fs:40, %rax
	jne	.L6
	addq	$88, %rsp
	.cfi_remember_state
	.cfi_def_cfa_offset 8
	ret
.L6:
	.cfi_restore_state
	call	__stack_chk_fail@PLT
	.cfi_endproc
.LFE37:
	.size	greet, .-greet
#---------- var ---------
	.section	.rodata.str1.1
.LC1:
	.string	"nobody"
#---------- var ---------
.LC2:
	.string	"%d\n"
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB38:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	leaq	.LC1(%rip), %rdi
	cmpl	$1, %ebx
	jle	.L8
	movq	8(%rsi), %rdi
.L8:
	call	greet
	movl	total(%rip), %eax
	imull	%ebx, %ebx
	leaq	.LC2(%rip), %rsi
	movl	$1, %edi
	addl	$1, hits(%rip)
	leal	0(,%rax,8), %edx
	subl	%eax, %edx
	xorl	%eax, %eax
	addl	%ebx, %edx
	call	__printf_chk@PLT
	xorl	%eax, %eax
	popq	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE38:
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
.LFB38.kpatch:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	leaq	.LC1(%rip), %rdi
	cmpl	$1, %ebx
	jle	.L8.kpatch
	movq	8(%rsi), %rdi
.L8.kpatch:
	call	greet
	movl	total(%rip), %edx
	imull	%ebx, %ebx
	leaq	.LC2(%rip), %rsi
	movl	$1, %edi
	addl	$2, hits(%rip)
	leal	0(,%rdx,8), %eax
	subl	%edx, %eax
	subl	%eax, %ebx
	xorl	%eax, %eax
	leal	1(%rbx), %edx
	call	__printf_chk@PLT
	xorl	%eax, %eax
	popq	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE38.kpatch:
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
	.local	hits
	.comm	hits,4,4
#---------- var ---------
	.globl	total
	.data
	.align 4
	.type	total, @object
	.size	total, 4
total:
	.long	3
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.c"
#---------- var ---------
	.text
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"Hello world!"
#---------- func ---------
	.globl	print_hello
	.text
	.p2align 4
	.globl	print_hello
	.type	print_hello, @function
print_hello:
.LFB11:
	.cfi_startproc
	leaq	.LC0(%rip), %rdi
	jmp	puts@PLT
	.cfi_endproc
.LFE11:
	.size	print_hello, .-print_hello
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB12:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	leaq	.LC0(%rip), %rbp
	pushq	%rbx
	.cfi_def_cfa_offset 24
	.cfi_offset 3, -24
	movl	$3, %ebx
	subq	$8, %rsp
	.cfi_def_cfa_offset 32
.L4:
	movq	%rbp, %rdi
	call	puts@PLT
	movl	$1000, %edi
	call	usleep@PLT
	subl	$1, %ebx
	jne	.L4
	addq	$8, %rsp
	.cfi_def_cfa_offset 24
	xorl	%eax, %eax
	popq	%rbx
	.cfi_def_cfa_offset 16
	popq	%rbp
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
	pushq	%r12
	.cfi_def_cfa_offset 16
	.cfi_offset 12, -16
	leaq	.LC0(%rip), %r12
	pushq	%rbp
	.cfi_def_cfa_offset 24
	.cfi_offset 6, -24
	leaq	.LC1.kpatch(%rip), %rbp
	pushq	%rbx
	.cfi_def_cfa_offset 32
	.cfi_offset 3, -32
	movl	$3, %ebx
.L4.kpatch:
	movq	%r12, %rdi
	call	puts@PLT
	movl	$2000, %edi
	call	usleep@PLT
	movq	%rbp, %rdi
	call	puts@PLT
	subl	$1, %ebx
	jne	.L4.kpatch
	popq	%rbx
	.cfi_def_cfa_offset 24
	xorl	%eax, %eax
	popq	%rbp
	.cfi_def_cfa_offset 16
	popq	%r12
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12.kpatch:
	.size	main.kpatch, .-main.kpatch
main.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "main.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
main.Lpi:
	.quad main
	.quad main.kpatch
	.long main.Lfe - main
	.long main.kpatch_end - main.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
	.pushsection .kpatch.data,"aw",@progbits
	.p2align 12
.LC1.kpatch:
	.string	"tick"
	.popsection
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

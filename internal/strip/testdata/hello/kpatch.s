#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.pushsection .kpatch.data,"aw",@progbits
	.p2align 12
.LC1.kpatch:
	.string	"Hello patched world %d!\n"
	.popsection
	.type	print_hello.kpatch, @function
print_hello.kpatch:
.LFB0.kpatch:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	leaq	.LC0(%rip), %rdi
	movl	$0, %eax
	call	puts@PLT
	movl	$2, %esi
	leaq	.LC1.kpatch(%rip), %rax
	movq	%rax, %rdi
	movl	$0, %eax
	call	printf@PLT
	nop
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0.kpatch:
	.size	print_hello.kpatch, .-print_hello.kpatch
print_hello.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "print_hello.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
print_hello.Lpi:
	.quad print_hello
	.quad print_hello.kpatch
	.long print_hello.Lfe - print_hello
	.long print_hello.kpatch_end - print_hello.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection
#---------- kpatch end -----------

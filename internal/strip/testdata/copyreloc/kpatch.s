#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.type	set.kpatch, @function
set.kpatch:
	movl	%edi, hidden_s(%rip)
	leal	2(%rdi), %eax
	movl	%eax, g(%rip)
	addl	hidden_s(%rip), %eax
	ret
	.size	set.kpatch, .-set.kpatch
set.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "set.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
set.Lpi:
	.quad set
	.quad set.kpatch
	.long set.Lfe - set
	.long set.kpatch_end - set.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection
#---------- kpatch end -----------
	.text
	.globl	uses_stderr
	.type	uses_stderr, @function
uses_stderr:
	movq	stderr(%rip), %rax
	ret
	.size	uses_stderr, .-uses_stderr

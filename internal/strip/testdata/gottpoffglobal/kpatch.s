#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.type	lib_get.kpatch, @function
lib_get.kpatch:
	.cfi_startproc
	movq	counter@gottpoff(%rip), %rax
	movl	%fs:(%rax), %eax
	addl	$1, %eax
	ret
	.cfi_endproc
	.size	lib_get.kpatch, .-lib_get.kpatch
lib_get.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "lib_get.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
lib_get.Lpi:
	.quad lib_get
	.quad lib_get.kpatch
	.long lib_get.Lfe - lib_get
	.long lib_get.kpatch_end - lib_get.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection
#---------- kpatch end -----------

#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.type	get.kpatch, @function
get.kpatch:
	.cfi_startproc
	pushq	%rbx
	call	*other@GOTPCREL(%rip)
	movl	%eax, %edi
	popq	%rbx
	jmp	*other@GOTPCREL(%rip)
	.cfi_endproc
	.size	get.kpatch, .-get.kpatch
get.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "get.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
get.Lpi:
	.quad get
	.quad get.kpatch
	.long get.Lfe - get
	.long get.kpatch_end - get.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection
#---------- kpatch end -----------

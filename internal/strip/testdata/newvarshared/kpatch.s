#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.type	get.kpatch, @function
get.kpatch:
	.cfi_startproc
	movq	added.kpatch@GOTPCREL(%rip), %rax
	movl	(%rax), %eax
	addl	$1, %eax
	ret
	.cfi_endproc
	.size	get.kpatch, .-get.kpatch
get.kpatch_end:
	.popsection
	.pushsection .kpatch.data,"aw",@progbits
	.p2align 12
	.globl	added.kpatch
	.type	added.kpatch, @object
	.size	added.kpatch, 4
added.kpatch:
	.long	42
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

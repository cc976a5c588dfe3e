#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.type	hook.kpatch, @function
hook.kpatch:
	addl	$1, calls(%rip)
	ret
	.size	hook.kpatch, .-hook.kpatch
hook.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "hook.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
hook.Lpi:
	.quad hook
	.quad hook.kpatch
	.long hook.Lfe - hook
	.long hook.kpatch_end - hook.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection
#---------- kpatch end -----------

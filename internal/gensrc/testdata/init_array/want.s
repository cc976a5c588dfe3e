	.file	"orig.c"
#---------- func ---------
	.globl	setup
	.hidden	setup
	.text
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.type	setup, @function
setup:
.LFB11:
	.cfi_startproc
	movl	$1, ready(%rip)
	ret
	.cfi_endproc
.LFE11:
	.size	setup, .-setup
	.section	.init_array,"aw"
	.align 8
	.quad	setup
	.section	.text.startup
setup.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	setup.kpatch
	.hidden	setup.kpatch
	.section .kpatch.text,"ax",@progbits
	.p2align 4
	.type	setup.kpatch, @function
setup.kpatch:
.LFB11.kpatch:
	.cfi_startproc
	movl	$2, ready(%rip)
	ret
	.cfi_endproc
.LFE11.kpatch:
	.size	setup.kpatch, .-setup.kpatch
	.section .kpatch.data,"aw",@progbits
	.p2align 12
	.align 8
	.quad	setup.kpatch
	.section .kpatch.text,"ax",@progbits
setup.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "setup.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
setup.Lpi:
	.quad setup
	.quad setup.kpatch
	.long setup.Lfe - setup
	.long setup.kpatch_end - setup.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
	.section	.init_array
#---------- var ---------
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"ready %d\n"
#---------- func ---------
	.globl	main
	.section	.text.startup
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB12:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	ready(%rip), %esi
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
#---------- var ---------
	.local	ready
	.comm	ready,4,4
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.c"
#---------- func ---------
	.globl	get
	.text
	.globl	get
	.type	get, @function
get:
.LFB11:
	.cfi_startproc
	movq	base@GOTPCREL(%rip), %rax
	imull	(%rax), %edi
	movl	%edi, %eax
	ret
	.cfi_endproc
.LFE11:
	.size	get, .-get
	.text
get.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	get.kpatch
	.hidden	get.kpatch
	.globl	get.kpatch
	.type	get.kpatch, @function
get.kpatch:
.LFB11.kpatch:
	.cfi_startproc
	movq	base@GOTPCREL(%rip), %rdx
	movl	%edi, %eax
	imull	(%rdx), %eax
	movq	added.kpatch@GOTPCREL(%rip), %rdx
	addl	(%rdx), %eax
	ret
	.cfi_endproc
.LFE11.kpatch:
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
#---------- var ---------
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%u\n"
#---------- func ---------
	.globl	main
	.text
	.globl	main
	.type	main, @function
main:
.LFB12:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	$3, %edi
	call	get@PLT
	movl	%eax, %esi
	leaq	.LC0(%rip), %rdi
	movl	$0, %eax
	call	printf@PLT
	movl	$0, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12:
	.size	main, .-main
#---------- var ---------
	.globl	base
	.data
	.align 4
	.type	base, @object
	.size	base, 4
base:
	.long	5
	.pushsection .kpatch.text,"ax",@progbits
	.globl	added.kpatch
	.section .kpatch.data,"aw",@progbits
	.p2align 12
	.align 4
	.type	added.kpatch, @object
	.size	added.kpatch, 4
added.kpatch:
	.long	7
	.popsection
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

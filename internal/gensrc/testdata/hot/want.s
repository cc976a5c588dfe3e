	.file	"orig.c"
#---------- func ---------
	.globl	hotfn
	.text
	.section	.text.hot,"ax",@progbits
	.p2align 4
	.globl	hotfn
	.type	hotfn, @function
hotfn:
.LFB11:
	.cfi_startproc
	leal	1(%rdi,%rdi,4), %eax
	ret
	.cfi_endproc
.LFE11:
	.size	hotfn, .-hotfn
	.section	.text.hot
hotfn.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	hotfn.kpatch
	.hidden	hotfn.kpatch
	.section .kpatch.text,"ax",@progbits
	.p2align 4
	.globl	hotfn.kpatch
	.type	hotfn.kpatch, @function
hotfn.kpatch:
.LFB11.kpatch:
	.cfi_startproc
	leal	0(,%rdi,8), %eax
	subl	%edi, %eax
	addl	$2, %eax
	ret
	.cfi_endproc
.LFE11.kpatch:
	.size	hotfn.kpatch, .-hotfn.kpatch
hotfn.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "hotfn.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
hotfn.Lpi:
	.quad hotfn
	.quad hotfn.kpatch
	.long hotfn.Lfe - hotfn
	.long hotfn.kpatch_end - hotfn.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- func ---------
	.globl	cool
	.text
	.p2align 4
	.globl	cool
	.type	cool, @function
cool:
.LFB12:
	.cfi_startproc
	leal	-1(%rdi), %eax
	ret
	.cfi_endproc
.LFE12:
	.size	cool, .-cool
#---------- var ---------
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%d\n"
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB13:
	.cfi_startproc
	leal	1(%rdi,%rdi,4), %eax
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	leal	-1(%rdi,%rax), %esi
	leaq	.LC0(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE13:
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
.LFB13.kpatch:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	leal	1(,%rdi,8), %esi
	xorl	%eax, %eax
	leaq	.LC0(%rip), %rdi
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE13.kpatch:
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
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

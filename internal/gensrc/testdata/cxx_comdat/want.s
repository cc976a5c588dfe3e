	.file	"orig.cc"
#---------- func ---------
	.globl	_Z5twicei
	.hidden	_Z5twicei
	.text
	.section	.text._Z5twicei,"axG",@progbits,_Z5twicei,comdat
	.p2align 4
	.weak	_Z5twicei
	.type	_Z5twicei, @function
_Z5twicei:
.LFB14:
	.cfi_startproc
	leal	1000(%rdi,%rdi), %eax
	ret
	.cfi_endproc
.LFE14:
	.size	_Z5twicei, .-_Z5twicei
	.section	.text._Z5twicei,"axG",@progbits,_Z5twicei,comdat
_Z5twicei.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	_Z5twicei.kpatch
	.hidden	_Z5twicei.kpatch
	.section .kpatch.text,"ax",@progbits
	.p2align 4
	.weak	_Z5twicei.kpatch
	.type	_Z5twicei.kpatch, @function
_Z5twicei.kpatch:
.LFB14.kpatch:
	.cfi_startproc
	leal	1000(%rdi,%rdi,2), %eax
	ret
	.cfi_endproc
.LFE14.kpatch:
	.size	_Z5twicei.kpatch, .-_Z5twicei.kpatch
_Z5twicei.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "_Z5twicei.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
_Z5twicei.Lpi:
	.quad _Z5twicei
	.quad _Z5twicei.kpatch
	.long _Z5twicei.Lfe - _Z5twicei
	.long _Z5twicei.kpatch_end - _Z5twicei.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
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
.LFB15:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	call	_Z5twicei
	leaq	.LC0(%rip), %rdi
	movl	%eax, %esi
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE15:
	.size	main, .-main
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

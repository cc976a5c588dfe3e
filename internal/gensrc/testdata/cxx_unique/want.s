	.file	"orig.cc"
#---------- func ---------
	.globl	_Z4worki
	.text
	.p2align 4
	.globl	_Z4worki
	.type	_Z4worki, @function
_Z4worki:
.LFB16:
	.cfi_startproc
	movl	_ZN7CounterIiE5countE(%rip), %eax
	addl	%edi, _ZZ12shared_totalvE5total(%rip)
	leal	1(%rax), %edx
	movl	_ZN7CounterIlE5countE(%rip), %eax
	movl	%edx, _ZN7CounterIiE5countE(%rip)
	addl	$1, %eax
	movl	%eax, _ZN7CounterIlE5countE(%rip)
	addl	%edx, %eax
	ret
	.cfi_endproc
.LFE16:
	.size	_Z4worki, .-_Z4worki
	.text
_Z4worki.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	_Z4worki.kpatch
	.hidden	_Z4worki.kpatch
	.p2align 4
	.globl	_Z4worki.kpatch
	.type	_Z4worki.kpatch, @function
_Z4worki.kpatch:
.LFB16.kpatch:
	.cfi_startproc
	movl	_ZN7CounterIiE5countE(%rip), %eax
	addl	%edi, %edi
	addl	%edi, _ZZ12shared_totalvE5total(%rip)
	leal	1(%rax), %edx
	movl	_ZN7CounterIlE5countE(%rip), %eax
	movl	%edx, _ZN7CounterIiE5countE(%rip)
	addl	$1, %eax
	movl	%eax, _ZN7CounterIlE5countE(%rip)
	addl	%edx, %eax
	ret
	.cfi_endproc
.LFE16.kpatch:
	.size	_Z4worki.kpatch, .-_Z4worki.kpatch
_Z4worki.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "_Z4worki.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
_Z4worki.Lpi:
	.quad _Z4worki
	.quad _Z4worki.kpatch
	.long _Z4worki.Lfe - _Z4worki
	.long _Z4worki.kpatch_end - _Z4worki.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%d %d\n"
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB17:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movl	_ZZ12shared_totalvE5total(%rip), %ecx
	call	_Z4worki
	leaq	.LC0(%rip), %rdi
	movl	%eax, %esi
	movl	%ecx, %edx
	xorl	%eax, %eax
	call	printf@PLT
	xorl	%eax, %eax
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE17:
	.size	main, .-main
#---------- var ---------
	.section	.bss._ZN7CounterIlE5countE,"awG",@nobits,_ZN7CounterIlE5countE,comdat
	.align 4
	.type	_ZN7CounterIlE5countE, @gnu_unique_object
	.size	_ZN7CounterIlE5countE, 4
_ZN7CounterIlE5countE:
	.zero	4
#---------- var ---------
	.section	.bss._ZN7CounterIiE5countE,"awG",@nobits,_ZN7CounterIiE5countE,comdat
	.align 4
	.type	_ZN7CounterIiE5countE, @gnu_unique_object
	.size	_ZN7CounterIiE5countE, 4
_ZN7CounterIiE5countE:
	.zero	4
#---------- var ---------
	.section	.bss._ZZ12shared_totalvE5total,"awG",@nobits,_ZZ12shared_totalvE5total,comdat
	.align 4
	.type	_ZZ12shared_totalvE5total, @gnu_unique_object
	.size	_ZZ12shared_totalvE5total, 4
_ZZ12shared_totalvE5total:
	.zero	4
	.weak	_ZN7CounterIlE5countE
	.weak	_ZN7CounterIiE5countE
	.weak	_ZZ12shared_totalvE5total
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

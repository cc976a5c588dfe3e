	.file	"orig.cc"
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
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"%d %d\n"
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
	.weak	_ZN7CounterIlE5countE
	.section	.bss._ZN7CounterIlE5countE,"awG",@nobits,_ZN7CounterIlE5countE,comdat
	.align 4
	.type	_ZN7CounterIlE5countE, @gnu_unique_object
	.size	_ZN7CounterIlE5countE, 4
_ZN7CounterIlE5countE:
	.zero	4
	.weak	_ZN7CounterIiE5countE
	.section	.bss._ZN7CounterIiE5countE,"awG",@nobits,_ZN7CounterIiE5countE,comdat
	.align 4
	.type	_ZN7CounterIiE5countE, @gnu_unique_object
	.size	_ZN7CounterIiE5countE, 4
_ZN7CounterIiE5countE:
	.zero	4
	.weak	_ZZ12shared_totalvE5total
	.section	.bss._ZZ12shared_totalvE5total,"awG",@nobits,_ZZ12shared_totalvE5total,comdat
	.align 4
	.type	_ZZ12shared_totalvE5total, @gnu_unique_object
	.size	_ZZ12shared_totalvE5total, 4
_ZZ12shared_totalvE5total:
	.zero	4
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.cc"
#---------- var ---------
	.text
	.section	.rodata.str1.1,"aMS",@progbits,1
.LC0:
	.string	"negative"
#---------- func ---------
	.globl	_Z5parsei
	.section	.text.unlikely,"ax",@progbits
.LCOLDB1:
	.text
.LHOTB1:
	.p2align 4
	.globl	_Z5parsei
	.type	_Z5parsei, @function
_Z5parsei:
.LFB1212:
	.cfi_startproc
	.cfi_personality 0x9b,DW.ref.__gxx_personality_v0
	.cfi_lsda 0x1b,.LLSDA1212
	testl	%edi, %edi
	js	.L5
	leal	(%rdi,%rdi), %eax
	ret
	.globl	__gxx_personality_v0
	.section	.gcc_except_table,"a",@progbits
.LLSDA1212:
	.byte	0xff
	.byte	0xff
	.byte	0x1
	.uleb128 .LLSDACSE1212-.LLSDACSB1212
.LLSDACSB1212:
.LLSDACSE1212:
	.text
	.cfi_endproc
	.section	.text.unlikely
	.cfi_startproc
	.cfi_personality 0x9b,DW.ref.__gxx_personality_v0
	.cfi_lsda 0x1b,.LLSDAC1212
	.type	_Z5parsei.cold, @function
_Z5parsei.cold:
.LFSB1212:
.L5:
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movl	$16, %edi
	pushq	%rbx
	.cfi_def_cfa_offset 24
	.cfi_offset 3, -24
	pushq	%rax
	.cfi_def_cfa_offset 32
	call	__cxa_allocate_exception@PLT
	leaq	.LC0(%rip), %rsi
	movq	%rax, %rdi
	movq	%rax, %rbx
.LEHB0:
	call	_ZNSt13runtime_errorC1EPKc@PLT
.LEHE0:
	movq	_ZNSt13runtime_errorD1Ev@GOTPCREL(%rip), %rdx
	leaq	_ZTISt13runtime_error(%rip), %rsi
	movq	%rbx, %rdi
.LEHB1:
	call	__cxa_throw@PLT
.L4:
	movq	%rax, %rbp
	movq	%rbx, %rdi
	call	__cxa_free_exception@PLT
	movq	%rbp, %rdi
	call	_Unwind_Resume@PLT
.LEHE1:
	.cfi_endproc
.LFE1212:
	.section	.gcc_except_table
.LLSDAC1212:
	.byte	0xff
	.byte	0xff
	.byte	0x1
	.uleb128 .LLSDACSEC1212-.LLSDACSBC1212
.LLSDACSBC1212:
	.uleb128 .LEHB0-.LCOLDB1
	.uleb128 .LEHE0-.LEHB0
	.uleb128 .L4-.LCOLDB1
	.uleb128 0
	.uleb128 .LEHB1-.LCOLDB1
	.uleb128 .LEHE1-.LEHB1
	.uleb128 0
	.uleb128 0
.LLSDACSEC1212:
	.section	.text.unlikely
	.text
	.size	_Z5parsei, .-_Z5parsei
	.section	.text.unlikely
	.size	_Z5parsei.cold, .-_Z5parsei.cold
.LCOLDE1:
	.text
.LHOTE1:
	.text
_Z5parsei.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	_Z5parsei.kpatch
	.hidden	_Z5parsei.kpatch
.LCOLDB1.kpatch:
	.section .kpatch.text,"ax",@progbits
.LHOTB1.kpatch:
	.p2align 4
	.globl	_Z5parsei.kpatch
	.type	_Z5parsei.kpatch, @function
_Z5parsei.kpatch:
.LFB1212.kpatch:
	.cfi_startproc
	.cfi_personality 0x9b,DW.ref.__gxx_personality_v0
	.cfi_lsda 0x1b,.LLSDA1212.kpatch
	testl	%edi, %edi
	js	.L5.kpatch
	leal	(%rdi,%rdi,2), %eax
	ret
	.globl	__gxx_personality_v0
	.section .kpatch.data,"aw",@progbits
	.p2align 12
.LLSDA1212.kpatch:
	.byte	0xff
	.byte	0xff
	.byte	0x1
	.uleb128 .LLSDACSE1212.kpatch-.LLSDACSB1212.kpatch
.LLSDACSB1212.kpatch:
.LLSDACSE1212.kpatch:
	.section .kpatch.text,"ax",@progbits
	.cfi_endproc
	.section .kpatch.text,"ax",@progbits
	.cfi_startproc
	.cfi_personality 0x9b,DW.ref.__gxx_personality_v0
	.cfi_lsda 0x1b,.LLSDAC1212.kpatch
	.type	_Z5parsei.cold.kpatch, @function
_Z5parsei.cold.kpatch:
.LFSB1212.kpatch:
.L5.kpatch:
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movl	$16, %edi
	pushq	%rbx
	.cfi_def_cfa_offset 24
	.cfi_offset 3, -24
	pushq	%rax
	.cfi_def_cfa_offset 32
	call	__cxa_allocate_exception@PLT
	leaq	.LC0(%rip), %rsi
	movq	%rax, %rdi
	movq	%rax, %rbx
.LEHB0.kpatch:
	call	_ZNSt13runtime_errorC1EPKc@PLT
.LEHE0.kpatch:
	movq	_ZNSt13runtime_errorD1Ev@GOTPCREL(%rip), %rdx
	leaq	_ZTISt13runtime_error(%rip), %rsi
	movq	%rbx, %rdi
.LEHB1.kpatch:
	call	__cxa_throw@PLT
.L4.kpatch:
	movq	%rax, %rbp
	movq	%rbx, %rdi
	call	__cxa_free_exception@PLT
	movq	%rbp, %rdi
	call	_Unwind_Resume@PLT
.LEHE1.kpatch:
	.cfi_endproc
.LFE1212.kpatch:
	.section .kpatch.data,"aw",@progbits
.LLSDAC1212.kpatch:
	.byte	0xff
	.byte	0xff
	.byte	0x1
	.uleb128 .LLSDACSEC1212.kpatch-.LLSDACSBC1212.kpatch
.LLSDACSBC1212.kpatch:
	.uleb128 .LEHB0.kpatch-.LCOLDB1.kpatch
	.uleb128 .LEHE0.kpatch-.LEHB0.kpatch
	.uleb128 .L4.kpatch-.LCOLDB1.kpatch
	.uleb128 0
	.uleb128 .LEHB1.kpatch-.LCOLDB1.kpatch
	.uleb128 .LEHE1.kpatch-.LEHB1.kpatch
	.uleb128 0
	.uleb128 0
.LLSDACSEC1212.kpatch:
	.section .kpatch.text,"ax",@progbits
	.section .kpatch.text,"ax",@progbits
	.size	_Z5parsei.kpatch, .-_Z5parsei.kpatch
	.section .kpatch.text,"ax",@progbits
	.size	_Z5parsei.cold.kpatch, .-_Z5parsei.cold.kpatch
.LCOLDE1.kpatch:
	.section .kpatch.text,"ax",@progbits
.LHOTE1.kpatch:
_Z5parsei.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "_Z5parsei.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
_Z5parsei.Lpi:
	.quad _Z5parsei
	.quad _Z5parsei.kpatch
	.long _Z5parsei.Lfe - _Z5parsei
	.long _Z5parsei.kpatch_end - _Z5parsei.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.section	.rodata.str1.1
.LC2:
	.string	"%d\n"
#---------- func ---------
	.globl	main
	.section	.text.unlikely
.LCOLDB3:
	.section	.text.startup,"ax",@progbits
.LHOTB3:
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB1213:
	.cfi_startproc
	.cfi_personality 0x9b,DW.ref.__gxx_personality_v0
	.cfi_lsda 0x1b,.LLSDA1213
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
.LEHB2:
	call	_Z5parsei
	movl	%eax, %esi
	leaq	.LC2(%rip), %rdi
	xorl	%eax, %eax
	call	printf@PLT
.LEHE2:
.L17:
	xorl	%eax, %eax
	popq	%rbx
	.cfi_remember_state
	.cfi_def_cfa_offset 8
	ret
.L15:
	.cfi_restore_state
	movq	%rax, %rdi
	movq	%rdx, %rax
	jmp	.L11
	.section	.gcc_except_table
	.align 4
.LLSDA1213:
	.byte	0xff
	.byte	0x9b
	.uleb128 .LLSDATT1213-.LLSDATTD1213
.LLSDATTD1213:
	.byte	0x1
	.uleb128 .LLSDACSE1213-.LLSDACSB1213
.LLSDACSB1213:
	.uleb128 .LEHB2-.LFB1213
	.uleb128 .LEHE2-.LEHB2
	.uleb128 .L15-.LFB1213
	.uleb128 0x1
.LLSDACSE1213:
	.byte	0x1
	.byte	0
	.align 4
	.long	DW.ref._ZTISt9exception-.
.LLSDATT1213:
	.section	.text.startup
	.cfi_endproc
	.section	.text.unlikely
	.cfi_startproc
	.cfi_personality 0x9b,DW.ref.__gxx_personality_v0
	.cfi_lsda 0x1b,.LLSDAC1213
	.type	main.cold, @function
main.cold:
.LFSB1213:
.L11:
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	subq	$1, %rax
	jne	.L19
	call	__cxa_begin_catch@PLT
	movq	%rax, %rdi
	movq	(%rax), %rax
	call	*16(%rax)
	movq	%rax, %rdi
.LEHB3:
	call	puts@PLT
.LEHE3:
	call	__cxa_end_catch@PLT
	jmp	.L17
.L19:
.LEHB4:
	call	_Unwind_Resume@PLT
.L16:
	movq	%rax, %rbx
	call	__cxa_end_catch@PLT
	movq	%rbx, %rdi
	call	_Unwind_Resume@PLT
.LEHE4:
	.cfi_endproc
.LFE1213:
	.section	.gcc_except_table
	.align 4
.LLSDAC1213:
	.byte	0xff
	.byte	0x9b
	.uleb128 .LLSDATTC1213-.LLSDATTDC1213
.LLSDATTDC1213:
	.byte	0x1
	.uleb128 .LLSDACSEC1213-.LLSDACSBC1213
.LLSDACSBC1213:
	.uleb128 .LEHB3-.LCOLDB3
	.uleb128 .LEHE3-.LEHB3
	.uleb128 .L16-.LCOLDB3
	.uleb128 0
	.uleb128 .LEHB4-.LCOLDB3
	.uleb128 .LEHE4-.LEHB4
	.uleb128 0
	.uleb128 0
.LLSDACSEC1213:
	.byte	0x1
	.byte	0
	.align 4
	.long	DW.ref._ZTISt9exception-.
.LLSDATTC1213:
	.section	.text.unlikely
	.section	.text.startup
	.size	main, .-main
	.section	.text.unlikely
	.size	main.cold, .-main.cold
.LCOLDE3:
	.section	.text.startup
.LHOTE3:
#---------- var ---------
	.section	.data.rel.local.DW.ref._ZTISt9exception,"awG",@progbits,DW.ref._ZTISt9exception,comdat
	.align 8
	.type	DW.ref._ZTISt9exception, @object
	.size	DW.ref._ZTISt9exception, 8
DW.ref._ZTISt9exception:
	.quad	_ZTISt9exception
#---------- var ---------
	.section	.data.rel.local.DW.ref.__gxx_personality_v0,"awG",@progbits,DW.ref.__gxx_personality_v0,comdat
	.align 8
	.type	DW.ref.__gxx_personality_v0, @object
	.size	DW.ref.__gxx_personality_v0, 8
DW.ref.__gxx_personality_v0:
	.quad	__gxx_personality_v0
	.hidden	DW.ref._ZTISt9exception
	.weak	DW.ref._ZTISt9exception
	.hidden	DW.ref.__gxx_personality_v0
	.weak	DW.ref.__gxx_personality_v0
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

	.file	"orig.c"
#---------- func ---------
	.globl	count
	.text
	.p2align 4
	.globl	count
	.type	count, @function
count:
.LFB11:
	.cfi_startproc
	addl	$1, hits(%rip)
	xorl	%eax, %eax
	cmpl	$1, %edi
	setg	%al
	ret
	.cfi_endproc
.LFE11:
	.size	count, .-count
	.text
count.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	count.kpatch
	.hidden	count.kpatch
	.p2align 4
	.globl	count.kpatch
	.type	count.kpatch, @function
count.kpatch:
.LFB11.kpatch:
	.cfi_startproc
	xorl	%eax, %eax
	addl	$1, hits(%rip)
	cmpl	$1, %edi
	setg	%al
	leaq	-128(%rsp), %rsp
	pushq	%r11
	movq	optind@GOTPCREL(%rip), %r11
	cmpl	%edi, (%r11)
	popq	%r11
	leaq	128(%rsp), %rsp
	jl	.L5.kpatch
	ret
	.p2align 4,,10
	.p2align 3
.L5.kpatch:
	xorl	%eax, %eax
	leaq	-128(%rsp), %rsp
	pushq	%r11
	movq	environ@GOTPCREL(%rip), %r11
	cmpq	$0, (%r11)
	popq	%r11
	leaq	128(%rsp), %rsp
	setne	%al
	ret
	.cfi_endproc
.LFE11.kpatch:
	.size	count.kpatch, .-count.kpatch
count.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "count.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
count.Lpi:
	.quad count
	.quad count.kpatch
	.long count.Lfe - count
	.long count.kpatch_end - count.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- func ---------
	.globl	say
	.p2align 4
	.globl	say
	.type	say, @function
say:
.LFB12:
	.cfi_startproc
	jmp	puts@PLT
	.cfi_endproc
.LFE12:
	.size	say, .-say
	.text
say.Lfe:
#---------- kpatch begin ---------
	.pushsection .kpatch.text,"ax",@progbits
	.globl	say.kpatch
	.hidden	say.kpatch
	.p2align 4
	.globl	say.kpatch
	.type	say.kpatch, @function
say.kpatch:
.LFB12.kpatch:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	movq	%rdi, %rdx
	movq	stderr@GOTPCREL(%rip), %rdi
	movq	(%rdi), %rdi
	xorl	%eax, %eax
	leaq	.LC0.kpatch(%rip), %rsi
	call	fprintf@PLT
	leaq	-128(%rsp), %rsp
	pushq	%r11
	movq	opterr@GOTPCREL(%rip), %r11
	movl	$0, (%r11)
	popq	%r11
	leaq	128(%rsp), %rsp
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
.LFE12.kpatch:
	.size	say.kpatch, .-say.kpatch
say.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab2:
	.string "say.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
say.Lpi:
	.quad say
	.quad say.kpatch
	.long say.Lfe - say
	.long say.kpatch_end - say.kpatch
	.quad kpatch_strtab2
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- func ---------
	.globl	main
	.section	.text.startup,"ax",@progbits
	.p2align 4
	.globl	main
	.type	main, @function
main:
.LFB13:
	.cfi_startproc
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	movq	(%rsi), %rdi
	call	puts@PLT
	xorl	%eax, %eax
	addl	$1, hits(%rip)
	cmpl	$1, %ebx
	setg	%al
	popq	%rbx
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
	pushq	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset 3, -16
	movl	%edi, %ebx
	movq	(%rsi), %rdi
	call	say.kpatch
	addl	$1, hits(%rip)
	cmpl	$1, %ebx
	setg	%al
	leaq	-128(%rsp), %rsp
	pushq	%r11
	movq	optind@GOTPCREL(%rip), %r11
	cmpl	(%r11), %ebx
	popq	%r11
	leaq	128(%rsp), %rsp
	movzbl	%al, %eax
	jg	.L13.kpatch
	popq	%rbx
	.cfi_remember_state
	.cfi_def_cfa_offset 8
	ret
.L13.kpatch:
	.cfi_restore_state
	xorl	%eax, %eax
	leaq	-128(%rsp), %rsp
	pushq	%r11
	movq	environ@GOTPCREL(%rip), %r11
	cmpq	$0, (%r11)
	popq	%r11
	leaq	128(%rsp), %rsp
	popq	%rbx
	.cfi_def_cfa_offset 8
	setne	%al
	ret
	.cfi_endproc
.LFE13.kpatch:
	.size	main.kpatch, .-main.kpatch
main.kpatch_end:
	.popsection

	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab3:
	.string "main.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
main.Lpi:
	.quad main
	.quad main.kpatch
	.long main.Lfe - main
	.long main.kpatch_end - main.kpatch
	.quad kpatch_strtab3
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection

#---------- kpatch end -----------
#---------- var ---------
	.globl	hits
	.bss
	.align 4
	.type	hits, @object
	.size	hits, 4
hits:
	.zero	4
	.pushsection .kpatch.data,"aw",@progbits
	.p2align 12
.LC0.kpatch:
	.string	"%s\n"
	.popsection
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits

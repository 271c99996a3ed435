namespace Jailhouse.Hypervisor;

/// <summary>What <see cref="X86MmioDecoder.Decode"/> found in a trapped memory instruction.</summary>
internal struct X86MmioInstruction
{
    /// <summary>Bytes of the instruction (0: not a form the hypervisor emulates).</summary>
    public uint Length;
    /// <summary>Access width in bytes: 1, 2, 4 or 8.</summary>
    public uint Size;
    public bool IsWrite;
    /// <summary>A write's source or a read's destination (X86Registers index), or -1 for an immediate.</summary>
    public int Register;
    public ulong Immediate;
    /// <summary>A read zero-extends into the register (movzx, and 32-bit moves).</summary>
    public bool ZeroExtend;
}

/// <summary>
/// Decodes the memory-access instructions compilers emit for device registers (upstream's
/// x86 mmio.c covers the same set): MOV r/m,r (88, 89), MOV r,r/m (8A, 8B), MOV r/m,imm (C6,
/// C7) and MOVZX (0F B6, 0F B7), with operand-size (66) and REX prefixes, any ModRM/SIB form
/// and displacement. Everything else decodes to length 0 and the access is refused.
/// </summary>
internal static unsafe class X86MmioDecoder
{
    public static X86MmioInstruction Decode(byte* code, uint available)
    {
        var result = new X86MmioInstruction();
        uint at = 0;
        bool operandSize16 = false;
        uint rex = 0;
        while (at < available && (code[at] == 0x66 || code[at] == 0xf0 || code[at] == 0x2e || code[at] == 0x3e))
        {
            if (code[at] == 0x66)
                operandSize16 = true;
            at++;
        }
        if (at < available && (code[at] & 0xf0) == 0x40)
            rex = code[at++];
        if (at >= available)
            return result;
        uint opcode = code[at++];
        bool twoByte = false;
        if (opcode == 0x0f)
        {
            if (at >= available)
                return result;
            opcode = code[at++];
            twoByte = true;
        }
        bool rexW = (rex & 8) != 0;
        uint wide = rexW ? 8u : operandSize16 ? 2u : 4u;
        uint immediateSize = 0;
        if (!twoByte)
        {
            switch (opcode)
            {
                case 0x88: result.Size = 1; result.IsWrite = true; break;
                case 0x89: result.Size = wide; result.IsWrite = true; break;
                case 0x8a: result.Size = 1; break;
                case 0x8b: result.Size = wide; result.ZeroExtend = wide == 4; break;
                case 0xc6: result.Size = 1; result.IsWrite = true; immediateSize = 1; break;
                case 0xc7: result.Size = wide; result.IsWrite = true; immediateSize = wide == 2 ? 2u : 4u; break;
                default: return result;
            }
        }
        else
        {
            switch (opcode)
            {
                case 0xb6: result.Size = 1; result.ZeroExtend = true; break;
                case 0xb7: result.Size = 2; result.ZeroExtend = true; break;
                default: return result;
            }
        }
        if (at >= available)
            return new X86MmioInstruction();
        uint modrm = code[at++];
        uint mod = modrm >> 6;
        uint rm = modrm & 7;
        if (mod == 3)
            return new X86MmioInstruction(); // register operand: no memory access
        result.Register = immediateSize != 0 ? -1 : (int)(((modrm >> 3) & 7) | ((rex & 4) << 1));
        uint displacement = mod == 1 ? 1u : mod == 2 ? 4u : 0u;
        if (rm == 4)
        {
            if (at >= available)
                return new X86MmioInstruction();
            uint sib = code[at++];
            if (mod == 0 && (sib & 7) == 5)
                displacement = 4;
        }
        else if (mod == 0 && rm == 5)
        {
            displacement = 4; // RIP-relative
        }
        at += displacement;
        if (at + immediateSize > available)
            return new X86MmioInstruction();
        ulong immediate = 0;
        for (uint i = 0; i < immediateSize; i++)
            immediate |= (ulong)code[at + i] << (int)(8 * i);
        if (immediateSize == 4 && result.Size == 8 && (immediate & 0x8000_0000) != 0)
            immediate |= 0xffff_ffff_0000_0000; // sign-extended imm32
        result.Immediate = immediate;
        at += immediateSize;
        result.Length = at;
        return result;
    }
}

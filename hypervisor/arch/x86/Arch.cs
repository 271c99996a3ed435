using System.Runtime;
using System.Runtime.CompilerServices;

namespace Jailhouse.Hypervisor;

/// <summary>
/// The x86-64 instructions C# cannot express (port I/O, MSRs, control registers, descriptor
/// tables, VMX), as calls into arch/x86/sysregs.S.
/// </summary>
internal static unsafe class Arch
{
    public const string Name = "x86";

    [RuntimeImport("x86_atomic_increment")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern uint AtomicIncrement(ref uint value);
    /// <summary>Atomically stores <paramref name="newValue"/> and returns what was there.</summary>
    [RuntimeImport("x86_atomic_exchange")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern uint Exchange(ref uint value, uint newValue);
    [RuntimeImport("x86_load_acquire")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern uint LoadAcquire(ref uint value);
    [RuntimeImport("x86_store_release")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void StoreRelease(ref uint value, uint newValue);
    [RuntimeImport("x86_memory_barrier")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void MemoryBarrier();
    [RuntimeImport("x86_park")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void Park();

    [RuntimeImport("x86_outb")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutByte(ushort port, byte value);
    [RuntimeImport("x86_inb")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern byte InByte(ushort port);
    [RuntimeImport("x86_read_msr")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadMsr(uint msr);
    [RuntimeImport("x86_write_msr")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteMsr(uint msr, ulong value);
    [RuntimeImport("x86_cpuid")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void Cpuid(uint leaf, uint subleaf, uint* registers);
    [RuntimeImport("x86_read_cr0")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr0();
    [RuntimeImport("x86_read_cr2")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr2();
    [RuntimeImport("x86_read_cr3")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr3();
    [RuntimeImport("x86_read_cr4")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr4();
    [RuntimeImport("x86_write_cr4")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteCr4(ulong value);
    [RuntimeImport("x86_write_cr0")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteCr0(ulong value);
    [RuntimeImport("x86_write_cr3")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteCr3(ulong value);
    /// <summary>XSETBV; -1 when the CPU has no XSAVE (the caller then injects nothing and stops the cell).</summary>
    [RuntimeImport("x86_xsetbv")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern int Xsetbv(uint index, ulong value);
    [RuntimeImport("x86_outw")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutWord(ushort port, ushort value);
    [RuntimeImport("x86_outl")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutDword(ushort port, uint value);
    [RuntimeImport("x86_inw")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ushort InWord(ushort port);
    [RuntimeImport("x86_inl")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern uint InDword(ushort port);
    [RuntimeImport("x86_invept_all")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void InveptAll();
    /// <summary>After VMXOFF: continue the guest natively from <paramref name="state"/> (X86LeaveState) and its registers. Does not return.</summary>
    [RuntimeImport("x86_leave_to_guest")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void LeaveToGuest(ulong* state, ulong* registers);
    [RuntimeImport("x86_read_rflags")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadRflags();
    /// <summary>Stores es, cs, ss, ds, fs, gs, ldtr, tr.</summary>
    [RuntimeImport("x86_read_selectors")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void ReadSelectors(ushort* selectors);
    /// <summary>SGDT/SIDT: 2-byte limit, 8-byte base.</summary>
    [RuntimeImport("x86_store_gdt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void StoreGdt(byte* pseudoDescriptor);
    [RuntimeImport("x86_store_idt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void StoreIdt(byte* pseudoDescriptor);

    [RuntimeImport("x86_vmxon")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern int VmxOn(ulong* regionPhys);
    [RuntimeImport("x86_vmxoff")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void VmxOff();
    [RuntimeImport("x86_vmclear")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern int VmClear(ulong* vmcsPhys);
    [RuntimeImport("x86_vmptrld")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern int VmPtrLoad(ulong* vmcsPhys);
    [RuntimeImport("x86_vmwrite")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern int VmWrite(ulong field, ulong value);
    [RuntimeImport("x86_vmread")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong VmRead(ulong field);
    [RuntimeImport("x86_vmx_launch")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern int VmxLaunch(PerCpu* cpu);
    /// <summary>Address of x86_vmx_exit (vmx.S), the host RIP of every VM exit.</summary>
    [RuntimeImport("x86_vmx_exit_address")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong VmxExitAddress();
    /// <summary>Address of the first of the 32 host exception stubs (exceptions.S).</summary>
    [RuntimeImport("x86_exception_stubs_address")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ExceptionStubsAddress();
}

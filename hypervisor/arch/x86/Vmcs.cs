namespace Jailhouse.Hypervisor;

/// <summary>VMCS field encodings and control bits (Intel SDM vol. 3, appendix B and chapter 24).</summary>
internal static class Vmcs
{
    public const ulong GuestEsSelector = 0x0800; // then CS, SS, DS, FS, GS, LDTR, TR every 2
    public const ulong HostEsSelector = 0x0c00;  // then CS, SS, DS, FS, GS, TR every 2
    public const ulong Vpid = 0x0000;
    public const ulong IoBitmapA = 0x2000;
    public const ulong IoBitmapB = 0x2002;
    public const ulong MsrBitmap = 0x2004;
    public const ulong EptPointer = 0x201a;
    public const ulong GuestPhysicalAddress = 0x2400;
    public const ulong GuestDebugCtl = 0x2802;
    public const ulong VmcsLinkPointer = 0x2800;
    public const ulong GuestIa32Efer = 0x2806;
    public const ulong HostIa32Efer = 0x2c02;
    public const ulong PinBasedControls = 0x4000;
    public const ulong ProcessorBasedControls = 0x4002;
    public const ulong ExceptionBitmap = 0x4004;
    public const ulong ExitControls = 0x400c;
    public const ulong EntryControls = 0x4012;
    public const ulong EntryInterruptionInfo = 0x4016;
    public const ulong SecondaryControls = 0x401e;
    public const ulong InstructionError = 0x4400;
    public const ulong ExitReason = 0x4402;
    public const ulong ExitInterruptionInfo = 0x4404;
    public const ulong ExitInstructionLength = 0x440c;
    public const ulong GuestEsLimit = 0x4800;    // then CS .. TR every 2, GDTR 0x4810, IDTR 0x4812
    public const ulong GuestGdtrLimit = 0x4810;
    public const ulong GuestIdtrLimit = 0x4812;
    public const ulong GuestEsAccessRights = 0x4814; // then CS .. TR every 2
    public const ulong GuestInterruptibility = 0x4824;
    public const ulong GuestActivityState = 0x4826;
    public const ulong GuestSysenterCs = 0x482a;
    public const ulong HostSysenterCs = 0x4c00;
    public const ulong Cr0GuestHostMask = 0x6000;
    public const ulong Cr4GuestHostMask = 0x6002;
    public const ulong Cr0ReadShadow = 0x6004;
    public const ulong Cr4ReadShadow = 0x6006;
    public const ulong ExitQualification = 0x6400;
    public const ulong GuestCr0 = 0x6800;
    public const ulong GuestCr3 = 0x6802;
    public const ulong GuestCr4 = 0x6804;
    public const ulong GuestEsBase = 0x6806;     // then CS .. TR every 2
    public const ulong GuestGdtrBase = 0x6816;
    public const ulong GuestIdtrBase = 0x6818;
    public const ulong GuestDr7 = 0x681a;
    public const ulong GuestRsp = 0x681c;
    public const ulong GuestRip = 0x681e;
    public const ulong GuestRflags = 0x6820;
    public const ulong GuestPendingDebugExceptions = 0x6822;
    public const ulong GuestSysenterEsp = 0x6824;
    public const ulong GuestSysenterEip = 0x6826;
    public const ulong HostCr0 = 0x6c00;
    public const ulong HostCr3 = 0x6c02;
    public const ulong HostCr4 = 0x6c04;
    public const ulong HostFsBase = 0x6c06;
    public const ulong HostGsBase = 0x6c08;
    public const ulong HostTrBase = 0x6c0a;
    public const ulong HostGdtrBase = 0x6c0c;
    public const ulong HostIdtrBase = 0x6c0e;
    public const ulong HostSysenterEsp = 0x6c10;
    public const ulong HostSysenterEip = 0x6c12;
    public const ulong HostRsp = 0x6c14;
    public const ulong HostRip = 0x6c16;

    public const uint ProcessorUseIoBitmaps = 1u << 25;
    public const uint ProcessorUseMsrBitmaps = 1u << 28;
    public const uint ProcessorSecondaryControls = 1u << 31;
    public const uint SecondaryEnableEpt = 1 << 1;
    public const uint SecondaryEnableRdtscp = 1 << 3;
    public const uint SecondaryEnableVpid = 1 << 5;
    public const uint SecondaryUnrestrictedGuest = 1 << 7;
    public const uint SecondaryEnableInvpcid = 1 << 12;
    public const uint SecondaryEnableXsaves = 1 << 20;
    public const uint ExitHostAddressSpaceSize = 1 << 9;
    public const uint ExitSaveEfer = 1 << 20;
    public const uint ExitLoadEfer = 1 << 21;
    public const uint EntryIa32eMode = 1 << 9;
    public const uint EntryLoadEfer = 1 << 15;

    public const uint ExitReasonExceptionOrNmi = 0;
    public const uint ExitReasonExternalInterrupt = 1;
    public const uint ExitReasonTripleFault = 2;
    public const uint ExitReasonInit = 3;
    public const uint ExitReasonSipi = 4;
    public const uint ExitReasonCpuid = 10;
    public const uint ExitReasonHlt = 12;
    public const uint ExitReasonVmcall = 18;
    public const uint ExitReasonCrAccess = 28;
    public const uint ExitReasonIo = 30;
    public const uint ExitReasonRdmsr = 31;
    public const uint ExitReasonWrmsr = 32;
    public const uint ExitReasonInvalidGuestState = 33;
    public const uint ExitReasonEptViolation = 48;
    public const uint ExitReasonEptMisconfiguration = 49;
    public const uint ExitReasonXsetbv = 55;

    /// <summary>Guest activity states (GuestActivityState).</summary>
    public const ulong ActivityActive = 0;
    public const ulong ActivityWaitForSipi = 3;

    /// <summary>VM-entry interruption information: an NMI (type 2, vector 2), valid.</summary>
    public const uint InjectNmi = (1u << 31) | (2 << 8) | 2;
    /// <summary>Guest interruptibility: blocking by STI, by MOV SS, by NMI (no NMI injection then).</summary>
    public const ulong InterruptibilityBlocksNmi = (1 << 0) | (1 << 1) | (1 << 3);

    /// <summary>A control value the CPU accepts: bits the capability MSR's low half requires
    /// are forced on, bits its high half does not allow are dropped.</summary>
    public static uint AdjustControls(uint wanted, ulong capabilityMsr) =>
        (wanted | (uint)capabilityMsr) & (uint)(capabilityMsr >> 32);
}

/// <summary>The model-specific registers VMX setup reads and writes.</summary>
internal static class Msr
{
    public const uint FeatureControl = 0x3a;
    public const uint SysenterCs = 0x174;
    public const uint SysenterEsp = 0x175;
    public const uint SysenterEip = 0x176;
    public const uint VmxBasic = 0x480;
    public const uint VmxMisc = 0x485;
    public const uint VmxCr0Fixed0 = 0x486;
    public const uint VmxCr0Fixed1 = 0x487;
    public const uint VmxCr4Fixed0 = 0x488;
    public const uint VmxCr4Fixed1 = 0x489;
    public const uint VmxProcBased2 = 0x48b;
    public const uint VmxTruePinBased = 0x48d;
    public const uint VmxTrueProcBased = 0x48e;
    public const uint VmxTrueExit = 0x48f;
    public const uint VmxTrueEntry = 0x490;
    public const uint Efer = 0xc0000080;
    public const uint FsBase = 0xc0000100;
    public const uint GsBase = 0xc0000101;

    public const ulong FeatureControlLocked = 1 << 0;
    public const ulong FeatureControlVmxOutsideSmx = 1 << 2;
    /// <summary>IA32_VMX_MISC: the wait-for-SIPI activity state is supported.</summary>
    public const ulong VmxMiscWaitForSipi = 1 << 8;
}

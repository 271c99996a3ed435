// The members ILCompiler requires by name from the system module. None of them may be reached in
// the freestanding subset (no casts to interfaces, no boxing of nullables, no checked
// conversions, no exceptions): each one that can run ends in Panic.Halt with a reason.
using System;
using System.Runtime;

namespace Internal.Runtime
{
    // The runtime's type descriptor; the hypervisor never looks inside.
    internal struct MethodTable { }

}

namespace Internal.Runtime.CompilerHelpers
{
    internal static class ThrowHelpers
    {
        public static void ThrowIndexOutOfRangeException() => Jailhouse.Hypervisor.Panic.Halt("index out of range");
        public static void ThrowNullReferenceException() => Jailhouse.Hypervisor.Panic.Halt("null reference");
        public static void ThrowDivideByZeroException() => Jailhouse.Hypervisor.Panic.Halt("division by zero");
        public static void ThrowOverflowException() => Jailhouse.Hypervisor.Panic.Halt("arithmetic overflow");
        public static void ThrowPlatformNotSupportedException() => Jailhouse.Hypervisor.Panic.Halt("platform not supported");
        public static void ThrowTypeLoadException() => Jailhouse.Hypervisor.Panic.Halt("type load");
        public static void ThrowArrayTypeMismatchException() => Jailhouse.Hypervisor.Panic.Halt("array type mismatch");
        public static void ThrowInvalidCastException() => Jailhouse.Hypervisor.Panic.Halt("invalid cast");
        public static void ThrowArgumentOutOfRangeException() => Jailhouse.Hypervisor.Panic.Halt("argument out of range");
        public static void ThrowArgumentException() => Jailhouse.Hypervisor.Panic.Halt("argument");
        public static void ThrowInvalidProgramException() => Jailhouse.Hypervisor.Panic.Halt("invalid program");
        public static void ThrowInvalidProgramExceptionWithArgument() => Jailhouse.Hypervisor.Panic.Halt("invalid program");
        public static void ThrowMarshalDirectiveException() => Jailhouse.Hypervisor.Panic.Halt("marshal directive");
        public static void ThrowAmbiguousMatchException() => Jailhouse.Hypervisor.Panic.Halt("ambiguous match");
        public static void ThrowBadImageFormatException() => Jailhouse.Hypervisor.Panic.Halt("bad image format");
        public static void ThrowMissingMethodException() => Jailhouse.Hypervisor.Panic.Halt("missing method");
        public static void ThrowMissingFieldException() => Jailhouse.Hypervisor.Panic.Halt("missing field");
        public static void ThrowFileNotFoundException() => Jailhouse.Hypervisor.Panic.Halt("file not found");
        public static void ThrowBodyRemoved() => Jailhouse.Hypervisor.Panic.Halt("ThrowBodyRemoved");
        public static void ThrowFeatureBodyRemoved() => Jailhouse.Hypervisor.Panic.Halt("ThrowFeatureBodyRemoved");
        public static void ThrowInstanceBodyRemoved() => Jailhouse.Hypervisor.Panic.Halt("ThrowInstanceBodyRemoved");
        public static void ThrowNotImplementedException() => Jailhouse.Hypervisor.Panic.Halt("ThrowNotImplementedException");
        public static void ThrowNotSupportedInlineArrayEqualsGetHashCode() => Jailhouse.Hypervisor.Panic.Halt("ThrowNotSupportedInlineArrayEqualsGetHashCode");
        public static void ThrowUnavailableType() => Jailhouse.Hypervisor.Panic.Halt("ThrowUnavailableType");
        public static void ThrowTypeLoadExceptionWithArgument() => Jailhouse.Hypervisor.Panic.Halt("ThrowTypeLoadExceptionWithArgument");
        public static void ThrowNotSupportedException() => Jailhouse.Hypervisor.Panic.Halt("not supported");
    }

}

namespace Internal.Runtime
{
    internal static class RuntimeImports { }
}

namespace System.Runtime
{
    internal static unsafe class TypeCast
    {
        public static object IsInstanceOfClass(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("type test"); return null; }
        public static object IsInstanceOfAny(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("type test"); return null; }
        public static object IsInstanceOfInterface(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("type test"); return null; }
        public static object CheckCastClass(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("cast"); return null; }
        public static object CheckCastAny(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("cast"); return null; }
        public static object CheckCastInterface(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("cast"); return null; }
        public static object CheckCastClassSpecial(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("cast"); return null; }
        public static bool IsInstanceOfException(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("exception type test"); return false; }
        public static void StelemRef(object[] array, nint index, object obj) => Jailhouse.Hypervisor.Panic.Halt("object array store");
        public static ref object LdelemaRef(object[] array, nint index, void* elementType) { Jailhouse.Hypervisor.Panic.Halt("object array address"); return ref array[0]; }
    }

    internal static unsafe class RuntimeExports
    {
        public static object RhBox(void* type, ref byte data) { Jailhouse.Hypervisor.Panic.Halt("boxing"); return null; }
        public static object RhBoxAny(ref byte data, void* type) { Jailhouse.Hypervisor.Panic.Halt("boxing"); return null; }
        public static ref byte RhUnbox2(void* type, object obj) { Jailhouse.Hypervisor.Panic.Halt("unboxing"); return ref *(byte*)null; }
        public static void RhUnboxNullable(ref byte data, void* type, object obj) => Jailhouse.Hypervisor.Panic.Halt("unboxing");
        public static void RhUnboxAny(object obj, ref byte data, void* type) => Jailhouse.Hypervisor.Panic.Halt("unboxing");
    }
}

namespace System.Runtime.InteropServices
{
    public interface IDynamicInterfaceCastable
    {
        bool IsInterfaceImplemented(RuntimeTypeHandle interfaceType, bool throwIfNotImplemented);
        RuntimeTypeHandle GetInterfaceImplementation(RuntimeTypeHandle interfaceType);

        private static unsafe nint GetDynamicInterfaceImplementation(IDynamicInterfaceCastable instance, void* interfaceType, ushort slot) { Jailhouse.Hypervisor.Panic.Halt("dynamic interface"); return 0; }
    }
}

namespace System
{
    internal static class Buffer
    {
        public static unsafe void BulkMoveWithWriteBarrier(ref byte destination, ref byte source, nuint byteCount) =>
            Jailhouse.Hypervisor.Memory.Move(Runtime.CompilerServices.Unsafe.AsPointer(ref destination), Runtime.CompilerServices.Unsafe.AsPointer(ref source), byteCount);
    }

    internal static class SpanHelpers
    {
        public static unsafe void Memmove(ref byte destination, ref byte source, nuint byteCount) =>
            Jailhouse.Hypervisor.Memory.Move(Runtime.CompilerServices.Unsafe.AsPointer(ref destination), Runtime.CompilerServices.Unsafe.AsPointer(ref source), byteCount);
        // The JIT's memset helper (initblk with a run-time size or value).
        public static unsafe void Fill(ref byte destination, nuint count, byte value) =>
            Jailhouse.Hypervisor.Memory.Set(Runtime.CompilerServices.Unsafe.AsPointer(ref destination), value, count);

        public static unsafe void ClearWithoutReferences(ref byte destination, nuint byteCount) =>
            Jailhouse.Hypervisor.Memory.Set(Runtime.CompilerServices.Unsafe.AsPointer(ref destination), 0, byteCount);
    }

    public static class Math
    {
        public static int ConvertToInt32Checked(double value) { Jailhouse.Hypervisor.Panic.Halt("checked conversion"); return 0; }
        public static uint ConvertToUInt32Checked(double value) { Jailhouse.Hypervisor.Panic.Halt("checked conversion"); return 0; }
        public static long ConvertToInt64Checked(double value) { Jailhouse.Hypervisor.Panic.Halt("checked conversion"); return 0; }
        public static ulong ConvertToUInt64Checked(double value) { Jailhouse.Hypervisor.Panic.Halt("checked conversion"); return 0; }
    }
}

namespace System.Collections
{
    public interface IEnumerable { IEnumerator GetEnumerator(); }
    public interface IEnumerator { bool MoveNext(); object Current { get; } }
}

namespace Internal.Runtime.CompilerHelpers
{
    // ILCompiler calls this for module initialisation; with no GC statics and no module
    // initialisers in the hypervisor there is nothing to do, which the linker script checks.
    internal static class StartupCodeHelpers { }
}

namespace System.Runtime.CompilerServices
{
    // Static constructors must be precomputed by ILCompiler (frozen data); one that would run
    // at run time is a build error in our link (no runtime to run it).
    internal static class ClassConstructorRunner { }
}

// The root of the type system ILCompiler compiles against: this assembly is its own corelib.
// Only what the freestanding subset uses exists (no GC, exceptions, reflection, interface
// dispatch); ILCompiler asks for some members by name, listed in runtime/README.md.
namespace System
{
    public class Object
    {
        // The first field of every object is its MethodTable pointer (the runtime's type handle).
#pragma warning disable 0169, 0649
        internal unsafe Internal.Runtime.MethodTable* m_pEEType;
#pragma warning restore 0169, 0649

        public Object() { }
        ~Object() { }

        public virtual bool Equals(object o) => this == o;
        public virtual int GetHashCode() => 0;
        public virtual string ToString() => null;
    }

#pragma warning disable 0169, 0649
    public struct Void { }
    public struct Boolean { private bool m_value; }
    public struct Char { private char m_value; }
    public struct SByte { private sbyte m_value; }
    public struct Byte { private byte m_value; }
    public struct Int16 { private short m_value; }
    public struct UInt16 { private ushort m_value; }
    public struct Int32 { private int m_value; }
    public struct UInt32 { private uint m_value; }
    public struct Int64 { private long m_value; }
    public struct UInt64 { private ulong m_value; }
    public struct IntPtr { private unsafe void* m_value; }
    public struct UIntPtr { private unsafe void* m_value; }
    public struct Single { private float m_value; }
    public struct Double { private double m_value; }

#pragma warning restore 0169, 0649

    public abstract class ValueType { }
    public abstract class Enum : ValueType { }
    public struct Nullable<T> where T : struct
    {
#pragma warning disable 0169, 0649
        private readonly bool hasValue;
        private T value;
#pragma warning restore 0169, 0649
    }

    public sealed class String
    {
        // Frozen string literals: length, then UTF-16 characters.
#pragma warning disable 0649
        private readonly int _length;
        private char _firstChar;
#pragma warning restore 0649

        public int Length => _length;

        [System.Runtime.CompilerServices.IndexerName("Chars")]
        public unsafe char this[int index]
        {
            get
            {
                fixed (char* p = &_firstChar)
                    return p[index];
            }
        }
    }

    public abstract class Array
    {
#pragma warning disable 0649
        private readonly int _length;
#pragma warning restore 0649
        public int Length => _length;
    }

    // ILCompiler's base of every T[] (vector) type.
    internal class Array<T> : Array { }

    public abstract class Delegate
    {
#pragma warning disable 0169, 0649
        private object m_firstParameter;
        private object m_helperObject;
        private nint m_extraFunctionPointerOrData;
        private nint m_functionPointer;
#pragma warning restore 0169, 0649

        private void InitializeClosedStaticThunk(object firstParameter, nint functionPointer, nint functionPointerThunk) { }
        private void InitializeOpenStaticThunk(object firstParameter, nint functionPointer, nint functionPointerThunk) { }
        private void InitializeClosedInstance(object firstParameter, nint functionPointer) { }
        private void InitializeClosedInstanceSlow(object firstParameter, nint functionPointer) { }
        private void InitializeClosedInstanceWithGVMResolution(object firstParameter, nint functionPointer) { }
        private void InitializeClosedInstanceToInterface(object firstParameter, nint functionPointer) { }
        private void InitializeClosedInstanceWithoutNullCheck(object firstParameter, nint functionPointer) { }
    }

    public abstract class MulticastDelegate : Delegate { }

    public struct RuntimeTypeHandle { }
    public struct RuntimeMethodHandle { }
    public struct RuntimeFieldHandle { }

    public class Type { }
    internal sealed class RuntimeType : Type { }

    public class Attribute { }

    public enum AttributeTargets
    {
        Assembly = 0x0001, Module = 0x0002, Class = 0x0004, Struct = 0x0008, Enum = 0x0010,
        Constructor = 0x0020, Method = 0x0040, Property = 0x0080, Field = 0x0100, Event = 0x0200,
        Interface = 0x0400, Parameter = 0x0800, Delegate = 0x1000, ReturnValue = 0x2000,
        GenericParameter = 0x4000, All = 0x7fff,
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = true)]
    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { }
        public bool AllowMultiple { get; set; }
        public bool Inherited { get; set; }
    }

    [AttributeUsage(AttributeTargets.Enum)]
    public sealed class FlagsAttribute : Attribute { }

    public sealed class ParamArrayAttribute : Attribute { }

    public sealed class ObsoleteAttribute : Attribute { }

    public class Exception { }

    public interface IDisposable { void Dispose(); }
}

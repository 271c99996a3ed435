namespace Jailhouse.Hypervisor;

/// <summary>The negative Linux error codes of Jailhouse's hypercall and entry ABI.</summary>
internal static class Errno
{
    public const int EPERM = -1;
    public const int ENOENT = -2;
    public const int EIO = -5;
    public const int E2BIG = -7;
    public const int ENOMEM = -12;
    public const int EBUSY = -16;
    public const int EEXIST = -17;
    public const int ENODEV = -19;
    public const int EINVAL = -22;
    public const int ERANGE = -34;
    public const int ENOSYS = -38;
}

"""The simulated host's Linux kernel.

A container has no kernel of its own: every process in every container, and every build step,
runs on the host's kernel. So `uname` inside any image, and `docker info`/`docker version` on
the host, must report this one kernel, whatever distribution the image holds.
"""

KERNEL_RELEASE = "6.8.0-85-generic"
"""`uname -r`: Ubuntu 24.04's kernel (the host `docker info` describes)."""

KERNEL_BUILD = "#85-Ubuntu SMP PREEMPT_DYNAMIC Thu Sep 18 15:26:59 UTC 2025"
"""`uname -v`: the build string Ubuntu's kernel packages carry."""

MACHINE = "x86_64"
"""`uname -m`: the host's CPU architecture."""

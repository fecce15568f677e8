#ifndef LABBOOK_CPU_RELAX_H
#define LABBOOK_CPU_RELAX_H

/// The processor's spin-wait hint (x86 `pause`, ARM `yield`): a thread polling a flag tells the core it
/// is waiting, so the core saves power and lets its other hardware thread run, and leaves the loop
/// without a memory-order mis-speculation when the flag changes. Nothing on other processors.
static inline void lb_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

#endif

#include "abi.h"

#include "abi32-offsets.h"

/* One field table per struct: every S() entry closes the previous table
 * and opens its own, so the list in abi_structs.h is written only once. */
#define F(st, name, field) FX(st, name, field, field)
#define FX(st, name, f32, f64)                                            \
    { { offsetof(struct st, f64), ABI32_##st##__##name##_OFF },           \
      { sizeof(((struct st *)0)->f64), ABI32_##st##__##name##_SZ } },
#define NOF(...)

#define S_TABLE(st) };                                                    \
    static const struct abi_field abi_fields_##st[] = {
static const struct abi_field abi_fields_head_[] __attribute__((unused)) = {
    XK_ABI_STRUCTS(S_TABLE, F, FX)
};

#define S_DESC(st)                                                        \
    const struct abi_struct abi_##st = {                                  \
        #st, { sizeof(struct st), ABI32_##st##_SIZE },                    \
        sizeof(abi_fields_##st) / sizeof(abi_fields_##st[0]),             \
        abi_fields_##st };
XK_ABI_STRUCTS(S_DESC, NOF, NOF)

void abi_to_native(const struct abi_struct *s, bool compat,
                   const void *guest, void *native)
{
    if (!compat) {
        memcpy(native, guest, s->size[0]);
        return;
    }
    memset(native, 0, s->size[0]);
    for (unsigned i = 0; i < s->nfields; i++) {
        const struct abi_field *f = &s->f[i];
        size_t n = f->sz[1] < f->sz[0] ? f->sz[1] : f->sz[0];
        /* Little-endian: narrower 32-bit fields widen by zero-extension. */
        memcpy((char *)native + f->off[0], (const char *)guest + f->off[1], n);
    }
}

void abi_from_native(const struct abi_struct *s, bool compat,
                     const void *native, void *guest)
{
    if (!compat) {
        memcpy(guest, native, s->size[0]);
        return;
    }
    memset(guest, 0, s->size[1]);
    for (unsigned i = 0; i < s->nfields; i++) {
        const struct abi_field *f = &s->f[i];
        size_t n = f->sz[1] < f->sz[0] ? f->sz[1] : f->sz[0];
        memcpy((char *)guest + f->off[1], (const char *)native + f->off[0], n);
    }
}

size_t abi_field_off(const struct abi_struct *s, bool compat, unsigned idx)
{
    return idx < s->nfields ? s->f[idx].off[compat] : 0;
}

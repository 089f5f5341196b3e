/*
 * jni_access.c - JNI glue: reads, writes, fills and copies by handle, bulk copies, the core's
 * range check, and direct buffers (their address; a buffer over memory). See walloc_jni.c for
 * the glue's rules.
 */
#include <string.h>

#include "jni_glue.h"

/* Copies up to this size go through a stack buffer (GetByteArrayRegion), larger ones pin the
 * array (GetPrimitiveArrayCritical) and let the core copy straight from it. */
#define SMALL_COPY 512

/* offset/length are checked against the array here too (Java checks first, with a better
 * message): a bad pair must never reach a copy. */
static int range_ok(JNIEnv *env, jbyteArray a, jint offset, jint length)
{
    if (!a || offset < 0 || length < 0)
        return 0;
    jsize n = (*env)->GetArrayLength(env, a);
    return offset <= n && length <= n - offset;
}

static jint write_inside(JNIEnv *env, walloc *core, jlong dst, jbyteArray src, jint offset, jint length)
{
    if (!range_ok(env, src, offset, length))
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (length <= SMALL_COPY) {
        jbyte buf[SMALL_COPY];
        (*env)->GetByteArrayRegion(env, src, offset, length, buf);
        return (jint)walloc_write(core, (walloc_handle)dst, buf, (uint64_t)length);
    }
    jbyte *p = (*env)->GetPrimitiveArrayCritical(env, src, NULL);
    if (!p)
        return WALLOC_ERR_OUT_OF_MEMORY; /* an OutOfMemoryError is pending */
    walloc_status st = walloc_write(core, (walloc_handle)dst, p + offset, (uint64_t)length);
    (*env)->ReleasePrimitiveArrayCritical(env, src, p, JNI_ABORT);
    return (jint)st;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_write(JNIEnv *env, jclass cls, jlong w,
        jlong dst, jbyteArray src, jint offset, jint length)
{
    GATED(w, HOST_CLOSED, write_inside(env, H(w)->core, dst, src, offset, length));
}

static jint read_inside(JNIEnv *env, walloc *core, jlong src, jbyteArray dst, jint offset, jint length)
{
    if (!range_ok(env, dst, offset, length))
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (length <= SMALL_COPY) {
        jbyte buf[SMALL_COPY];
        walloc_status st = walloc_read(core, (walloc_handle)src, buf, (uint64_t)length);
        if (st == WALLOC_OK)
            (*env)->SetByteArrayRegion(env, dst, offset, length, buf);
        return (jint)st;
    }
    jbyte *p = (*env)->GetPrimitiveArrayCritical(env, dst, NULL);
    if (!p)
        return WALLOC_ERR_OUT_OF_MEMORY;
    walloc_status st = walloc_read(core, (walloc_handle)src, p + offset, (uint64_t)length);
    /* 0 copies back if the VM handed out a copy; on error nothing was written into it. */
    (*env)->ReleasePrimitiveArrayCritical(env, dst, p, st == WALLOC_OK ? 0 : JNI_ABORT);
    return (jint)st;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_read(JNIEnv *env, jclass cls, jlong w,
        jlong src, jbyteArray dst, jint offset, jint length)
{
    GATED(w, HOST_CLOSED, read_inside(env, H(w)->core, src, dst, offset, length));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_copy(JNIEnv *env, jclass cls, jlong w,
                                                        jlong dst, jlong src, jlong length)
{
    /* A negative length reaches the core as a huge unsigned one: out of bounds there. */
    GATED(w, HOST_CLOSED, (jint)walloc_copy(H(w)->core, (walloc_handle)dst, (walloc_handle)src, (uint64_t)length));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_fill(JNIEnv *env, jclass cls, jlong w,
                                                        jlong dst, jint value, jlong length)
{
    /* A negative length reaches the core as a huge unsigned one: out of bounds there. */
    GATED(w, HOST_CLOSED, (jint)walloc_fill(H(w)->core, (walloc_handle)dst, (uint8_t)value, (uint64_t)length));
}

static jlong bulk_copy_inside(JNIEnv *env, walloc *core, jlongArray ops, jint count)
{
    if (!ops || count < 0 || (*env)->GetArrayLength(env, ops) / 3 < count)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (count == 0)
        return WALLOC_OK;
    size_t n = (size_t)count;
    walloc_copy_op *o = malloc(n * sizeof *o);
    if (!o)
        return WALLOC_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < n; i++) {
        jlong v[3];
        (*env)->GetLongArrayRegion(env, ops, (jsize)(3 * i), 3, v);
        o[i].dst = (walloc_handle)v[0];
        o[i].src = (walloc_handle)v[1];
        o[i].len = (uint64_t)v[2];
    }
    size_t failed = 0;
    walloc_status st = walloc_bulk_copy(core, o, n, &failed);
    free(o);
    if (st == WALLOC_OK)
        return 0;
    return (jlong)st | ((jlong)failed << 8);
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_bulkCopy(JNIEnv *env, jclass cls, jlong w,
        jlongArray ops, jint count)
{
    GATED(w, (jlong)HOST_CLOSED, bulk_copy_inside(env, H(w)->core, ops, count));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_checkRange(JNIEnv *env, jclass cls, jlong w,
        jlong handle, jlong length)
{
    if (length < 0)
        return WALLOC_ERR_OUT_OF_BOUNDS;
    GATED(w, HOST_CLOSED, (jint)walloc_check_range(H(w)->core, (walloc_handle)handle, (uint64_t)length));
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_address(JNIEnv *env, jclass cls, jobject buffer)
{
    return buffer ? (jlong)(uintptr_t)(*env)->GetDirectBufferAddress(env, buffer) : 0;
}

JNIEXPORT jobject JNICALL Java_io_walloc_WallocNative_buffer(JNIEnv *env, jclass cls, jlong address,
                                                             jint length)
{
    if (!address || length < 0)
        return NULL;
    return (*env)->NewDirectByteBuffer(env, (void *)(uintptr_t)address, (jlong)length);
}

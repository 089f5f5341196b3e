/*
 * jni_md.h for Windows, for cross-building the JNI library with MinGW-w64 on Linux (whose JDK
 * ships only its own jni_md.h). Written from the JNI specification ("JNI Types and Data
 * Structures"; the Windows calling convention of JNIEXPORT/JNICALL): the machine-dependent
 * types are jint (32 bits), jlong (64 bits) and jbyte (8 bits, signed); exported functions are
 * __declspec(dllexport) and use __stdcall, which x86-64 ignores (there is one convention).
 */
#ifndef _JAVASOFT_JNI_MD_H_
#define _JAVASOFT_JNI_MD_H_

#define JNIEXPORT __declspec(dllexport)
#define JNIIMPORT __declspec(dllimport)
#define JNICALL __stdcall

typedef int jint;
typedef long long jlong;
typedef signed char jbyte;

#endif /* _JAVASOFT_JNI_MD_H_ */

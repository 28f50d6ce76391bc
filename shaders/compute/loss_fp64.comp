#version 450
#extension GL_ARB_gpu_shader_fp64 : require
// Head + loss (see common/nsb_loss.glsl) with the sigmoid head evaluated exactly as the CPU does.
#define NSB_FP64 1
#include "nsb_loss.glsl"

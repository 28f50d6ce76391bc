#version 450
// Head + loss (see common/nsb_loss.glsl), for devices without fp64.
#include "nsb_loss.glsl"

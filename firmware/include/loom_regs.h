/*
 * Loom accelerator register map: the single definition shared by the device
 * model (models/loom) and the driver (firmware/). Documented in
 * docs/register-map.md. All registers are 32 bits wide, little endian, and
 * must be accessed with aligned 32-bit loads and stores.
 */
#ifndef LOOM_REGS_H
#define LOOM_REGS_H

#define LOOM_ID_VALUE 0x4C4F4F4Du /* "LOOM" */
#define LOOM_VERSION_VALUE 0x00010000u /* 1.0 */

/* Register offsets from the device's base address. */
#define LOOM_REG_ID 0x000u           /* RO  identification */
#define LOOM_REG_VERSION 0x004u      /* RO  major << 16 | minor */
#define LOOM_REG_CAPS 0x008u         /* RO  engine, bits per cycle, max precision */
#define LOOM_REG_GRID 0x00Cu         /* RO  filter rows, window columns, lanes */
#define LOOM_REG_CTRL 0x010u         /* RW  start / soft reset (self-clearing), irq enable */
#define LOOM_REG_STATUS 0x014u       /* RO  busy, done, error, error code */
#define LOOM_REG_IRQ_STATUS 0x018u   /* W1C pending interrupt causes */
#define LOOM_REG_IRQ_MASK 0x01Cu     /* RW  enabled interrupt causes */
#define LOOM_REG_LAYER_TYPE 0x020u   /* RW  LOOM_LAYER_* */
#define LOOM_REG_IN_ADDR 0x024u      /* RW  input activations (bit-plane bricks) */
#define LOOM_REG_IN2_ADDR 0x028u     /* RW  second input (element-wise add) */
#define LOOM_REG_WEIGHT_ADDR 0x02Cu  /* RW  weights (bit-plane bricks) */
#define LOOM_REG_BIAS_ADDR 0x030u    /* RW  bias, int32 per filter */
#define LOOM_REG_OUT_ADDR 0x034u     /* RW  output activations (bit-plane bricks) */
#define LOOM_REG_IN_C 0x040u         /* RW  input channels */
#define LOOM_REG_IN_H 0x044u         /* RW  input height */
#define LOOM_REG_IN_W 0x048u         /* RW  input width */
#define LOOM_REG_OUT_C 0x04Cu        /* RW  filters (conv, fc); ignored by pools and add */
#define LOOM_REG_KERNEL 0x050u       /* RW  KH [7:0], KW [15:8] */
#define LOOM_REG_STRIDE 0x054u       /* RW  SY [7:0], SX [15:8] */
#define LOOM_REG_PAD 0x058u          /* RW  PY [7:0], PX [15:8] */
#define LOOM_REG_GROUPS 0x05Cu       /* RW  convolution groups */
#define LOOM_REG_PREC 0x060u         /* RW  PA, PW, PO, PA2 */
#define LOOM_REG_QUANT 0x064u        /* RW  shift, relu, signedness, saturation precision */
#define LOOM_REG_OUT_C_OFFSET 0x068u /* RW  first output channel written (multiple of 16) */
#define LOOM_REG_OUT_C_TOTAL 0x06Cu  /* RW  channels of the tensor at OUT_ADDR (0: OUT_C) */
#define LOOM_REG_OUT_H 0x070u        /* RO  output height of the programmed layer */
#define LOOM_REG_OUT_W 0x074u        /* RO  output width of the programmed layer */
/* Performance counters of the last layer, 64 bits as LO/HI pairs, RO. */
#define LOOM_REG_CYCLES_LO 0x080u
#define LOOM_REG_CYCLES_HI 0x084u
#define LOOM_REG_COMPUTE_CYCLES_LO 0x088u
#define LOOM_REG_COMPUTE_CYCLES_HI 0x08Cu
#define LOOM_REG_DMA_CYCLES_LO 0x090u
#define LOOM_REG_DMA_CYCLES_HI 0x094u
#define LOOM_REG_DRAM_RD_BYTES_LO 0x098u
#define LOOM_REG_DRAM_RD_BYTES_HI 0x09Cu
#define LOOM_REG_DRAM_WR_BYTES_LO 0x0A0u
#define LOOM_REG_DRAM_WR_BYTES_HI 0x0A4u
#define LOOM_REG_LAYERS_DONE 0x0A8u  /* RO  layers completed since reset */
/* Sequencer counters of the last layer (docs/timing-model.md section 1), RO. */
#define LOOM_REG_STALL_DATA_CYCLES_LO 0x0B0u  /* compute waited for a tile's data */
#define LOOM_REG_STALL_DATA_CYCLES_HI 0x0B4u
#define LOOM_REG_STALL_SPACE_CYCLES_LO 0x0B8u /* compute waited for output buffer space */
#define LOOM_REG_STALL_SPACE_CYCLES_HI 0x0BCu
#define LOOM_REG_TILES 0x0C0u                 /* tiles the layer was split into */
#define LOOM_REG_BOUND 0x0C4u                 /* 0: compute-bound, 1: memory-bound */
/* On-chip buffer sizes in bytes, RO, so a driver can plan. */
#define LOOM_REG_WBUF_BYTES 0x0D0u   /* weight memory (weights and bias) */
#define LOOM_REG_ABUF_BYTES 0x0D4u   /* activation memory (input row bands) */
#define LOOM_REG_OBUF_BYTES 0x0D8u   /* output buffer */
/* Descriptor chains (0x100..0x1FF). */
#define LOOM_REG_CHAIN_ADDR 0x100u        /* RW  address of descriptor 0 (SRAM or DRAM) */
#define LOOM_REG_CHAIN_COUNT 0x104u       /* RW  number of descriptors in the chain */
#define LOOM_REG_CHAIN_CTRL 0x108u        /* RW  LOOM_CHAIN_IRQ_PER_LAYER */
#define LOOM_REG_CHAIN_INDEX 0x10Cu       /* RO  descriptor running / that failed; COUNT when done */
#define LOOM_REG_CHAIN_CYCLES_LO 0x110u   /* RO  last chain: START_CHAIN to its end, cycles */
#define LOOM_REG_CHAIN_CYCLES_HI 0x114u
#define LOOM_REG_CHAIN_FETCH_BYTES 0x118u /* RO  last chain: descriptor bytes read by DMA */
#define LOOM_REG_SPACE_BYTES 0x200u  /* size of the register window */

/* CTRL */
#define LOOM_CTRL_START (1u << 0)      /* write 1: start the programmed layer */
#define LOOM_CTRL_SOFT_RESET (1u << 1) /* write 1: abandon the layer, every register to reset */
#define LOOM_CTRL_START_CHAIN (1u << 2) /* write 1: run the descriptor chain at CHAIN_ADDR */
#define LOOM_CTRL_IRQ_ENABLE (1u << 8) /* master interrupt enable */

/* STATUS */
#define LOOM_STATUS_BUSY (1u << 0)
#define LOOM_STATUS_DONE (1u << 1)
#define LOOM_STATUS_ERROR (1u << 2)
#define LOOM_STATUS_ERR_SHIFT 8u
#define LOOM_STATUS_ERR_MASK (0xFFu << LOOM_STATUS_ERR_SHIFT)
#define LOOM_STATUS_ERR_CODE(status) (((status) & LOOM_STATUS_ERR_MASK) >> LOOM_STATUS_ERR_SHIFT)

/* IRQ_STATUS / IRQ_MASK causes */
#define LOOM_IRQ_DONE (1u << 0)
#define LOOM_IRQ_ERROR (1u << 1)
#define LOOM_IRQ_CHAIN_DONE (1u << 2) /* every descriptor of a chain completed */
#define LOOM_IRQ_ALL (LOOM_IRQ_DONE | LOOM_IRQ_ERROR | LOOM_IRQ_CHAIN_DONE)

/* CHAIN_CTRL */
#define LOOM_CHAIN_IRQ_PER_LAYER (1u << 0) /* DONE cause after every layer, not only at the end */

/* A chain descriptor in memory: LOOM_DESC_WORDS little-endian 32-bit words,
 * LOOM_DESC_BYTES apart. Word 0 is the tag (format version in [15:0]),
 * word 1 flags (none defined: must be 0), words 2.. the layer registers in
 * the order of loom_layer_t (loom_driver.h), LAYER_TYPE first. */
#define LOOM_DESC_VERSION 1u
#define LOOM_DESC_TAG (0x4C440000u | LOOM_DESC_VERSION) /* "LD" version 1 */
#define LOOM_DESC_LAYER_WORDS 18u
#define LOOM_DESC_WORDS (2u + LOOM_DESC_LAYER_WORDS)
#define LOOM_DESC_BYTES (4u * LOOM_DESC_WORDS)

/* CAPS */
#define LOOM_CAPS_ENGINE(caps) ((caps) & 0xFu)
#define LOOM_CAPS_BITS_PER_CYCLE(caps) (((caps) >> 4) & 0xFu) /* 0: bit-parallel */
#define LOOM_CAPS_MAX_PREC(caps) (((caps) >> 8) & 0x1Fu)
#define LOOM_ENGINE_BASE 0u
#define LOOM_ENGINE_STRIPES 1u
#define LOOM_ENGINE_LM1B 2u
#define LOOM_ENGINE_LM2B 3u
#define LOOM_ENGINE_LM4B 4u

/* GRID: rows (filters) [15:0], columns (windows) [23:16], lanes [31:24] */

/* LAYER_TYPE */
#define LOOM_LAYER_CONV 0u
#define LOOM_LAYER_FC 1u
#define LOOM_LAYER_MAXPOOL 2u
#define LOOM_LAYER_AVGPOOL 3u
#define LOOM_LAYER_ADD 4u
#define LOOM_LAYER_TYPE_COUNT 5u

/* Packing helpers for KERNEL, STRIDE, PAD: Y/H in [7:0], X/W in [15:8]. */
#define LOOM_YX(y, x) (((unsigned)(y) & 0xFFu) | (((unsigned)(x) & 0xFFu) << 8))
#define LOOM_Y(v) ((v) & 0xFFu)
#define LOOM_X(v) (((v) >> 8) & 0xFFu)

/* PREC: stored precisions (bit planes) in bits, each 1..16.
 * PA input activations, PW weights, PO output, PA2 second input of add. */
#define LOOM_PREC(pa, pw, po, pa2) \
  (((unsigned)(pa) & 0x1Fu) | (((unsigned)(pw) & 0x1Fu) << 8) | \
   (((unsigned)(po) & 0x1Fu) << 16) | (((unsigned)(pa2) & 0x1Fu) << 24))
#define LOOM_PREC_PA(v) ((v) & 0x1Fu)
#define LOOM_PREC_PW(v) (((v) >> 8) & 0x1Fu)
#define LOOM_PREC_PO(v) (((v) >> 16) & 0x1Fu)
#define LOOM_PREC_PA2(v) (((v) >> 24) & 0x1Fu)
/* Weights stored per filter group (128 filters x 16 weights at one kernel
 * position), each in its own Pw_g <= PW planes, behind a table of the Pw_g
 * (docs/workload-format.md 9.1). Conv and fc only; ignored otherwise. */
#define LOOM_PREC_PW_GROUPS (1u << 15)

/* QUANT: rounding right shift [4:0]; ReLU; signedness of the inputs and of
 * the output; saturation precision [20:16] (0: saturate at PO). */
#define LOOM_QUANT_SHIFT(v) ((v) & 0x1Fu)
#define LOOM_QUANT_RELU (1u << 8)
#define LOOM_QUANT_IN_SIGNED (1u << 9)
#define LOOM_QUANT_IN2_SIGNED (1u << 10)
#define LOOM_QUANT_OUT_SIGNED (1u << 11)
#define LOOM_QUANT_SAT_PREC(v) (((v) >> 16) & 0x1Fu)
#define LOOM_QUANT_SAT(p) (((unsigned)(p) & 0x1Fu) << 16)

/* Error codes in STATUS[15:8]; docs/register-map.md explains each. */
#define LOOM_ERR_NONE 0u
#define LOOM_ERR_BAD_LAYER_TYPE 1u /* LAYER_TYPE >= LOOM_LAYER_TYPE_COUNT */
#define LOOM_ERR_BAD_PRECISION 2u  /* a precision is 0 or > 16, or SAT > PO */
#define LOOM_ERR_BAD_SHAPE 3u      /* zero dimension, kernel larger than padded input, ... */
#define LOOM_ERR_BAD_STRIDE 4u     /* stride 0 */
#define LOOM_ERR_BAD_GROUPS 5u     /* groups 0 or not dividing channels / filters */
#define LOOM_ERR_BAD_ADDRESS 6u    /* a tensor does not lie inside DRAM */
#define LOOM_ERR_BUSY 7u           /* START written while a layer runs */
#define LOOM_ERR_DMA 8u            /* the interconnect answered a DMA burst with an error */
#define LOOM_ERR_TOO_LARGE 9u      /* a tensor exceeds the element limit, or the layer the MAC limit */
#define LOOM_ERR_BUFFER_TOO_SMALL 10u /* an on-chip buffer cannot hold one tile (one output row) */
#define LOOM_ERR_BAD_DESCRIPTOR 11u /* chain: descriptor tag or flags wrong, or CHAIN_COUNT 0 */
#define LOOM_ERR_COUNT 12u

#endif /* LOOM_REGS_H */

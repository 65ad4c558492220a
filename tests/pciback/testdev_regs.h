/* testdev_regs.h: the register map of the test device vfu_testdev serves,
 * for the server, the unit tests and the guest driver.  PCI 1234:7e57. */
#ifndef XK_TESTDEV_REGS_H
#define XK_TESTDEV_REGS_H

#define TD_VENDOR       0x1234
#define TD_DEVICE       0x7e57
#define TD_BAR0_SIZE    0x1000      /* registers, trapped */
#define TD_BAR2_SIZE    0x10000     /* memory, mmap-able */
#define TD_MSIX_VECTORS 4
#define TD_MSI_VECTORS  4           /* --msi4: Multiple Message Capable 4 */
#define TD_BAR4_SIZE    0x20        /* --iobar: I/O registers */

/* Capabilities in config space. */
#define TD_CAP_PM       0x40
#define TD_CAP_MSIX     0x50
#define TD_CAP_EXP      0x60
#define TD_CAP_VNDR     0xa0        /* vendor specific: hidden by pciback */
#define TD_CAP_MSI4     0xb0        /* --msi4: MSI, 64-bit, per-vector masks */

/* BAR0 registers. */
#define TD_ID           0x00        /* RO: TD_ID_VALUE */
#define TD_ID_VALUE     0x7e570001u
#define TD_SCRATCH      0x04        /* RW, 0 after reset */
#define TD_DMA_SRC      0x08        /* 64-bit IOVA */
#define TD_DMA_DST      0x10        /* 64-bit IOVA */
#define TD_DMA_LEN      0x18
#define TD_DMA_CMD      0x1c        /* write: TD_CMD_* */
#define TD_CMD_START    1
#define TD_CMD_IRQ      2           /* raise vector 0 when done */
#define TD_CMD_STALL    4           /* stay busy forever (kill tests) */
#define TD_STATUS       0x20        /* TD_ST_*; write 1s to clear DONE/ERROR */
#define TD_ST_BUSY      1
#define TD_ST_DONE      2
#define TD_ST_ERROR     4
#define TD_IRQ_RAISE    0x24        /* write n: raise vector n (MSI-X, else INTx) */
#define TD_INTX_STATUS  0x28        /* bit 0: INTx pending; write 1 to clear */
#define TD_IRQ_COUNT    0x2c        /* RO: interrupts signalled */
#define TD_MSIX_TABLE   0x800
#define TD_MSIX_PBA     0xc00

/* BAR4 (--iobar): I/O space, any access width of 1, 2 or 4 bytes. */
#define TD_IO_ID        0x00        /* RO: TD_IO_ID_VALUE */
#define TD_IO_ID_VALUE  0x10e57e57u
#define TD_IO_SCRATCH   0x04        /* RW, 0 after reset */
#define TD_IO_COUNT     0x08        /* RO: writes to the I/O BAR */
#define TD_IO_RAISE     0x0c        /* write n: raise vector n, as TD_IRQ_RAISE */

#endif

// SPDX-License-Identifier: BSD-3-Clause
/*
 * tsubaki-pack: build the secure flash image -- the firmware followed by the
 * image pack (kernel, initramfs, command line, options). The kernel is an
 * arm64 Image or an ARM (ARMv7-A) zImage; the firmware parses its header.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsubaki/pack.h>

#define PACK_OFFSET	0x200000UL
#define FLASH_SIZE	0x4000000UL

/* The kernel headers the firmware reads (Linux's Documentation/{arm64,arm}/booting.rst). */
#define IMAGE_MAGIC_OFF		0x38
#define IMAGE_MAGIC		0x644d5241U	/* "ARM\x64" */
#define ZIMAGE_MAGIC_OFF	0x24
#define ZIMAGE_MAGIC		0x016f2818U

struct blob {
	uint32_t type;
	uint8_t *data;
	size_t size;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tsubaki-pack -o FLASH --firmware FW.bin --kernel Image|zImage\n"
		"                    [--initrd CPIO]... [--cmdline TEXT] [--config KEY=VALUE]...\n"
		"\n"
		"Writes the secure flash image: the firmware at offset 0 and, at 0x%lx,\n"
		"the image pack the firmware boots Linux from. Several --initrd files are\n"
		"concatenated in order (a later cpio archive overrides earlier files).\n"
		"The kernel is an arm64 Image or an ARM zImage.\n",
		PACK_OFFSET);
}

static uint32_t le32_at(const uint8_t *p, size_t size, size_t off)
{
	if (off + 4 > size)
		return 0;
	return p[off] | p[off + 1] << 8 | p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
}

/* "arm64 Image", "ARM zImage", or NULL for anything else. */
static const char *kernel_kind(const uint8_t *k, size_t size)
{
	if (le32_at(k, size, IMAGE_MAGIC_OFF) == IMAGE_MAGIC)
		return "arm64 Image";
	if (le32_at(k, size, ZIMAGE_MAGIC_OFF) == ZIMAGE_MAGIC)
		return "ARM zImage";
	return NULL;
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f) {
		fprintf(stderr, "tsubaki-pack: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "tsubaki-pack: %s: cannot size\n", path);
		fclose(f);
		return -1;
	}
	*data = realloc(*data, *size + (size_t)n + 1);
	if (!*data || fread(*data + *size, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "tsubaki-pack: %s: read failed\n", path);
		fclose(f);
		return -1;
	}
	*size += (size_t)n;
	fclose(f);
	return 0;
}

static int append_text(struct blob *b, const char *text)
{
	size_t n = strlen(text);

	/* Lines joined by '\n', always NUL-terminated. */
	b->data = realloc(b->data, b->size + n + 2);
	if (!b->data)
		return -1;
	if (b->size) {
		b->data[b->size - 1] = '\n';	/* replace the previous NUL */
	}
	memcpy(b->data + b->size, text, n);
	b->size += n;
	b->data[b->size++] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "firmware", required_argument, NULL, 'f' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct blob blobs[4] = {
		{ TSB_PACK_KERNEL, NULL, 0 }, { TSB_PACK_INITRD, NULL, 0 },
		{ TSB_PACK_CMDLINE, NULL, 0 }, { TSB_PACK_CONFIG, NULL, 0 },
	};
	const char *out = NULL;
	uint8_t *fw = NULL, *img;
	size_t fw_size = 0, off, total;
	struct tsb_pack_header *h;
	FILE *f;
	int c, i;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			if (read_file(optarg, &fw, &fw_size))
				return 1;
			break;
		case 'k':
			if (blobs[0].size) {
				fprintf(stderr, "tsubaki-pack: only one --kernel\n");
				return 2;
			}
			if (read_file(optarg, &blobs[0].data, &blobs[0].size))
				return 1;
			break;
		case 'i':
			if (read_file(optarg, &blobs[1].data, &blobs[1].size))
				return 1;
			break;
		case 'c':
			free(blobs[2].data);
			blobs[2].data = NULL;
			blobs[2].size = 0;
			if (append_text(&blobs[2], optarg))
				return 1;
			break;
		case 'C':
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "tsubaki-pack: --config wants KEY=VALUE, got '%s'\n", optarg);
				return 2;
			}
			if (append_text(&blobs[3], optarg))
				return 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!out || !fw_size || !blobs[0].size || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!kernel_kind(blobs[0].data, blobs[0].size)) {
		fprintf(stderr, "tsubaki-pack: the kernel is neither an arm64 Image (magic 0x%08x at "
			"0x%x) nor an ARM zImage (magic 0x%08x at 0x%x)\n", IMAGE_MAGIC,
			IMAGE_MAGIC_OFF, ZIMAGE_MAGIC, ZIMAGE_MAGIC_OFF);
		return 1;
	}
	if (fw_size > PACK_OFFSET) {
		fprintf(stderr, "tsubaki-pack: firmware is %zu bytes, over the 0x%lx limit\n",
			fw_size, PACK_OFFSET);
		return 1;
	}

	total = sizeof(*h);
	for (i = 0; i < 4; i++)
		total = ((total + TSB_PACK_ALIGN - 1) & ~(size_t)(TSB_PACK_ALIGN - 1)) + blobs[i].size;
	if (PACK_OFFSET + total > FLASH_SIZE) {
		fprintf(stderr, "tsubaki-pack: %zu bytes do not fit the 64 MiB secure flash\n",
			PACK_OFFSET + total);
		return 1;
	}
	img = calloc(1, PACK_OFFSET + total);
	if (!img)
		return 1;
	memcpy(img, fw, fw_size);
	h = (struct tsb_pack_header *)(img + PACK_OFFSET);
	h->magic = TSB_PACK_MAGIC;
	h->version = TSB_PACK_VERSION;
	off = sizeof(*h);
	for (i = 0; i < 4; i++) {
		struct tsb_pack_entry *e;

		if (!blobs[i].size)
			continue;
		off = (off + TSB_PACK_ALIGN - 1) & ~(size_t)(TSB_PACK_ALIGN - 1);
		e = &h->entry[h->count++];
		e->type = blobs[i].type;
		e->offset = off;
		e->size = blobs[i].size;
		e->crc32 = tsb_crc32(0, blobs[i].data, blobs[i].size);
		memcpy((uint8_t *)h + off, blobs[i].data, blobs[i].size);
		off += blobs[i].size;
	}
	h->total_size = off;
	h->hdr_crc32 = pack_header_crc(h);

	f = fopen(out, "wb");
	if (!f || fwrite(img, 1, PACK_OFFSET + off, f) != PACK_OFFSET + off || fclose(f)) {
		fprintf(stderr, "tsubaki-pack: %s: %s\n", out, strerror(errno));
		return 1;
	}
	printf("tsubaki-pack: %s: firmware %zu B, pack %zu B, kernel: %s\n", out, fw_size, off,
	       kernel_kind(blobs[0].data, blobs[0].size));
	return 0;
}

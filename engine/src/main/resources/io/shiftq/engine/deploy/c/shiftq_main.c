/*
 * shiftq_main: runs shiftq_model.c on an IDX image file (MNIST, Fashion-MNIST; uncompressed: gunzip -k first)
 * and prints the accuracy against the IDX label file, and the CPU time of the inference alone. A model of one
 * channel reads [n][rows][cols] pixels (magic 0x803); a model of several reads [n][channels][rows][cols] (0x804).
 *
 *   gcc -O2 -std=c99 -Wall -Wextra -o shiftq_main shiftq_main.c
 *   ./shiftq_main t10k-images-idx3-ubyte t10k-labels-idx1-ubyte [codes.txt|-] [max-images]
 *
 * codes.txt gets one line per image: the predicted class, then every logit code. This file includes
 * shiftq_model.c, so the one command above builds the whole program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "shiftq_model.c"

#if SHIFTQ_INPUT_CHANNELS == 1
#define SHIFTQ_IDX_MAGIC 0x00000803UL
#else
#define SHIFTQ_IDX_MAGIC 0x00000804UL
#endif

static unsigned long read_u32(FILE *f)
{
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4) {
        return 0;
    }
    return ((unsigned long) b[0] << 24) | ((unsigned long) b[1] << 16) | ((unsigned long) b[2] << 8) | b[3];
}

static FILE *open_idx(const char *path, unsigned long magic, unsigned long *count)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    if (read_u32(f) != magic) {
        fprintf(stderr, "%s is not an uncompressed IDX file with magic 0x%08lx (gunzip a .gz first)\n", path, magic);
        fclose(f);
        return NULL;
    }
    *count = read_u32(f);
    return f;
}

/* Index of the largest code, the first one on ties (as the Java executor and PyTorch's argmax). */
static int argmax(const shiftq_logit_t logits[SHIFTQ_NUM_CLASSES])
{
    int best = 0;
    for (int k = 1; k < SHIFTQ_NUM_CLASSES; k++) {
        if (logits[k] > logits[best]) {
            best = k;
        }
    }
    return best;
}

int main(int argc, char **argv)
{
    static unsigned char pixels[SHIFTQ_INPUT_SIZE];
    static shiftq_input_t codes[SHIFTQ_INPUT_SIZE];
    shiftq_logit_t logits[SHIFTQ_NUM_CLASSES];
    unsigned long n = 0, labels_n = 0, limit, correct = 0;
    clock_t spent = 0;
    FILE *out = NULL;
    if (argc < 3) {
        fprintf(stderr, "usage: %s images-idx3-ubyte labels-idx1-ubyte [codes.txt|-] [max-images]\n", argv[0]);
        return 2;
    }
    FILE *images = open_idx(argv[1], SHIFTQ_IDX_MAGIC, &n);
    FILE *labels = open_idx(argv[2], 0x00000801UL, &labels_n);
    if (images == NULL || labels == NULL) {
        return 2;
    }
    unsigned long channels = SHIFTQ_INPUT_CHANNELS == 1 ? 1 : read_u32(images);
    unsigned long rows = read_u32(images), cols = read_u32(images);
    if (channels != SHIFTQ_INPUT_CHANNELS || rows != SHIFTQ_INPUT_HEIGHT || cols != SHIFTQ_INPUT_WIDTH
        || labels_n != n) {
        fprintf(stderr, "%s holds %lu images of %lux%lux%lu (%lu labels); the model reads %dx%dx%d\n", argv[1], n,
                channels, rows, cols, labels_n, SHIFTQ_INPUT_CHANNELS, SHIFTQ_INPUT_HEIGHT, SHIFTQ_INPUT_WIDTH);
        return 2;
    }
    if (argc > 3 && argv[3][0] != '-' && (out = fopen(argv[3], "w")) == NULL) {
        fprintf(stderr, "cannot write %s\n", argv[3]);
        return 2;
    }
    limit = argc > 4 ? strtoul(argv[4], NULL, 10) : n;
    for (unsigned long i = 0; i < n && i < limit; i++) {
        int label = fgetc(labels);
        if (fread(pixels, 1, SHIFTQ_INPUT_SIZE, images) != SHIFTQ_INPUT_SIZE || label == EOF) {
            fprintf(stderr, "%s ends after %lu images\n", argv[1], i);
            return 2;
        }
        for (int k = 0; k < SHIFTQ_INPUT_SIZE; k++) {
            codes[k] = shiftq_pixel_codes[k / (SHIFTQ_INPUT_HEIGHT * SHIFTQ_INPUT_WIDTH)][pixels[k]];
        }
        clock_t t0 = clock();
        shiftq_infer(codes, logits);
        spent += clock() - t0;
        int predicted = argmax(logits);
        correct += predicted == label;
        if (out != NULL) {
            fprintf(out, "%d", predicted);
            for (int k = 0; k < SHIFTQ_NUM_CLASSES; k++) {
                fprintf(out, " %lld", (long long) logits[k]);
            }
            fputc('\n', out);
        }
    }
    if (limit < n) {
        n = limit;
    }
    double seconds = (double) spent / CLOCKS_PER_SEC;
    printf("accuracy %.2f%% (%lu of %lu images)\n", n == 0 ? 0.0 : 100.0 * correct / n, correct, n);
    printf("inference %.3f s CPU, %.0f images/s\n", seconds, seconds > 0 ? n / seconds : 0.0);
    fclose(images);
    fclose(labels);
    return out != NULL && fclose(out) != 0 ? 2 : 0;
}

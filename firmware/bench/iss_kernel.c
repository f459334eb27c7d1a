#include "iss_kernel.h"

#define LIST_NODES 48
#define MATRIX_N 10
#define TEXT_BYTES 96

static uint16_t crc16(uint16_t crc, uint32_t value) {
  for (int byte = 0; byte < 4; ++byte) {
    crc ^= (uint16_t)((value >> (8 * byte)) & 0xff) << 8;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

static uint32_t next_random(uint32_t* state) {
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

/* Linked list: build, merge-sort (bottom-up, no recursion), reverse, search. */
struct node {
  struct node* next;
  int32_t value;
};

static struct node* list_merge(struct node* a, struct node* b) {
  struct node head;
  struct node* tail = &head;
  while (a && b) {
    if (a->value <= b->value) {
      tail->next = a;
      a = a->next;
    } else {
      tail->next = b;
      b = b->next;
    }
    tail = tail->next;
  }
  tail->next = a ? a : b;
  return head.next;
}

static struct node* list_sort(struct node* list) {
  for (int width = 1; width < LIST_NODES; width *= 2) {
    struct node* result = 0;
    struct node** result_tail = &result;
    while (list) {
      struct node* a = list;
      struct node* cut = a;
      for (int i = 1; i < width && cut->next; ++i) cut = cut->next;
      struct node* b = cut->next;
      cut->next = 0;
      cut = b;
      for (int i = 1; i < width && cut && cut->next; ++i) cut = cut->next;
      if (cut) {
        list = cut->next;
        cut->next = 0;
      } else {
        list = 0;
      }
      *result_tail = list_merge(a, b);
      while (*result_tail) result_tail = &(*result_tail)->next;
    }
    list = result;
  }
  return list;
}

static uint16_t list_bench(uint32_t seed, uint16_t crc) {
  static struct node nodes[LIST_NODES];
  uint32_t random = seed;
  struct node* list = 0;
  for (int i = 0; i < LIST_NODES; ++i) {
    nodes[i].value = (int32_t)(next_random(&random) % 1000) - 500;
    nodes[i].next = list;
    list = &nodes[i];
  }
  list = list_sort(list);
  struct node* reversed = 0;
  while (list) {
    struct node* next = list->next;
    list->next = reversed;
    reversed = list;
    list = next;
  }
  int32_t position = 0, found = -1;
  const int32_t wanted = (int32_t)(seed % 1000) - 500;
  for (struct node* n = reversed; n; n = n->next, ++position) {
    crc = crc16(crc, (uint32_t)n->value);
    if (found < 0 && n->value <= wanted) found = position;
  }
  return crc16(crc, (uint32_t)found);
}

/* Matrices: C = A * B, then add and scale, extract bit fields. */
static uint16_t matrix_bench(uint32_t seed, uint16_t crc) {
  static int16_t a[MATRIX_N][MATRIX_N], b[MATRIX_N][MATRIX_N];
  static int32_t c[MATRIX_N][MATRIX_N];
  uint32_t random = seed ^ 0x5a5a5a5au;
  for (int i = 0; i < MATRIX_N; ++i)
    for (int j = 0; j < MATRIX_N; ++j) {
      a[i][j] = (int16_t)(next_random(&random) & 0xfff) - 0x800;
      b[i][j] = (int16_t)(next_random(&random) & 0xff) - 0x80;
    }
  for (int i = 0; i < MATRIX_N; ++i)
    for (int j = 0; j < MATRIX_N; ++j) {
      int32_t sum = 0;
      for (int k = 0; k < MATRIX_N; ++k) sum += a[i][k] * b[k][j];
      c[i][j] = sum;
    }
  int32_t checksum = 0;
  for (int i = 0; i < MATRIX_N; ++i)
    for (int j = 0; j < MATRIX_N; ++j) {
      const int32_t value = c[i][j] * 3 + (int32_t)seed;
      checksum += (value >> 3) & 0x7f;
      checksum ^= value / 7;
    }
  return crc16(crc, (uint32_t)checksum);
}

/* State machine: classify comma-separated tokens as integer, decimal,
 * scientific or invalid, counting each class and every transition. */
enum state { START, INTEGER, DECIMAL, EXPONENT, INVALID, STATES };

static uint16_t state_bench(uint32_t seed, uint16_t crc) {
  static const char alphabet[] = "0123456789.e-+,x";
  char text[TEXT_BYTES];
  uint32_t random = seed * 7 + 1;
  for (int i = 0; i < TEXT_BYTES; ++i) text[i] = alphabet[next_random(&random) & 15];
  uint32_t finals[STATES] = {0}, transitions = 0;
  enum state s = START;
  for (int i = 0; i <= TEXT_BYTES; ++i) {
    const char ch = i < TEXT_BYTES ? text[i] : ',';
    enum state next = s;
    if (ch == ',') {
      ++finals[s];
      next = START;
    } else if (ch >= '0' && ch <= '9') {
      next = s == START ? INTEGER : s;
    } else if (ch == '.') {
      next = (s == START || s == INTEGER) ? DECIMAL : INVALID;
    } else if (ch == 'e') {
      next = (s == INTEGER || s == DECIMAL) ? EXPONENT : INVALID;
    } else if (ch == '-' || ch == '+') {
      next = (s == START || s == EXPONENT) ? s : INVALID;
    } else {
      next = INVALID;
    }
    transitions += next != s;
    s = next;
  }
  for (int k = 0; k < STATES; ++k) crc = crc16(crc, finals[k]);
  return crc16(crc, transitions);
}

uint32_t iss_kernel_run(uint32_t iterations) {
  uint16_t crc = 0;
  for (uint32_t i = 0; i < iterations; ++i) {
    crc = list_bench(i, crc);
    crc = matrix_bench(i, crc);
    crc = state_bench(i, crc);
  }
  return crc;
}

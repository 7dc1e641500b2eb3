// True while the window is phone-wide: pages lay out descriptions in one column then.
import { onBeforeUnmount, onMounted, ref } from 'vue'

export function useNarrow(max = 768) {
  const narrow = ref(typeof window !== 'undefined' && window.innerWidth < max)
  const update = () => (narrow.value = window.innerWidth < max)
  onMounted(() => window.addEventListener('resize', update))
  onBeforeUnmount(() => window.removeEventListener('resize', update))
  return narrow
}

// Client hooks of the demo: the one place the demo writes JavaScript, to show
// the escape hatches. A hook gets this.el, this.pushEvent and this.handleEvent.
window.templiveHooks = {
  Pinger: {
    mounted() {
      this.el.dataset.log = "mounted"
      this.handleEvent("ping", ({n}) => {
        this.el.dataset.lastPing = String(n)
        this.el.classList.add("pinged")
      })
      this.pushEvent("hello", {greeting: "hook mounted"}).then(reply => {
        this.el.dataset.reply = reply.answer
      })
    },
    updated() { this.el.dataset.log += " updated" },
    destroyed() { window.pingerDestroyed = true },
  },
}

// The copy button of /ui fires this DOM event (a Dispatch command) on the field
// holding the link: select it, and copy it where the browser lets us.
window.addEventListener("templive:copy", e => {
  e.target.select()
  navigator.clipboard?.writeText(e.target.value).catch(() => {})
})

// A progress bar while the server is busy (a join, a navigation, an event); the
// CSS shows it only after a moment, so quick events do not flicker it.
window.addEventListener("templive:page-loading-start", () => document.documentElement.classList.add("busy"))
window.addEventListener("templive:page-loading-stop", () => document.documentElement.classList.remove("busy"))

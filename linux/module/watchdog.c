// SPDX-License-Identifier: GPL-2.0
/*
 * The collector's watchdog as a standard Linux watchdog device
 * (/dev/watchdogN, the kernel's watchdog API): systemd's RuntimeWatchdogSec
 * or any watchdog daemon drives it. Keepalives go to the secure world by
 * TSB_SMC_WATCHDOG. A missed deadline is not a blind reset: the collector
 * takes a crash dump with the cause "watchdog" and restarts Linux.
 */
#include <linux/module.h>
#include <linux/watchdog.h>
#include <tsubaki/abi.h>

#include "tsubaki.h"

/* ---- Watchdog ---- */

#define TSB_WDT_DEFAULT_S	30

static bool nowayout = WATCHDOG_NOWAYOUT;
module_param(nowayout, bool, 0444);
MODULE_PARM_DESC(nowayout, "the watchdog cannot be stopped once started");

static unsigned int timeout;
module_param(timeout, uint, 0444);
MODULE_PARM_DESC(timeout, "watchdog timeout in seconds (default 30)");

static int tsb_wdt_call(unsigned int seconds)
{
	struct tsb_res res;
	int err = tsb_smc(&res, TSB_SMC_WATCHDOG, seconds, 0, 0);

	if (err == TSB_E_INVALID)
		return -EINVAL;
	return err ? -EIO : 0;
}

static int tsb_wdt_start(struct watchdog_device *wdd)
{
	return tsb_wdt_call(wdd->timeout);
}

static int tsb_wdt_stop(struct watchdog_device *wdd)
{
	return tsb_wdt_call(0);
}

static int tsb_wdt_set_timeout(struct watchdog_device *wdd, unsigned int t)
{
	wdd->timeout = t;
	return watchdog_active(wdd) ? tsb_wdt_call(t) : 0;
}

static const struct watchdog_info tsb_wdt_info = {
	.options = WDIOF_SETTIMEOUT | WDIOF_KEEPALIVEPING | WDIOF_MAGICCLOSE,
	.identity = "Tsubaki collector",
};

static const struct watchdog_ops tsb_wdt_ops = {
	.owner = THIS_MODULE,
	.start = tsb_wdt_start,
	.stop = tsb_wdt_stop,
	.ping = tsb_wdt_start,	/* the same call: the countdown starts again */
	.set_timeout = tsb_wdt_set_timeout,
};

static struct watchdog_device tsb_wdd = {
	.info = &tsb_wdt_info,
	.ops = &tsb_wdt_ops,
	.min_timeout = 1,
	.max_timeout = TSB_WATCHDOG_MAX_S,
	.timeout = TSB_WDT_DEFAULT_S,
};

static bool tsb_wdt_registered;

int tsb_watchdog_init(struct device *dev)
{
	int err;

	tsb_wdd.parent = dev;
	watchdog_init_timeout(&tsb_wdd, timeout, dev);
	watchdog_set_nowayout(&tsb_wdd, nowayout);
	watchdog_stop_on_unregister(&tsb_wdd);
	err = watchdog_register_device(&tsb_wdd);
	if (!err) {
		tsb_wdt_registered = true;
		dev_info(dev, "watchdog%d: a missed deadline is dumped (timeout %u s)\n",
			 tsb_wdd.id, tsb_wdd.timeout);
	}
	return err;
}

void tsb_watchdog_exit(void)
{
	if (tsb_wdt_registered)
		watchdog_unregister_device(&tsb_wdd);
	tsb_wdt_registered = false;
}
